import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliEnv } from '../support/cli-env.ts';
import { CLI, runCli } from '../support/run-cli.ts';
import { freePort } from '../support/test-cluster.ts';
import { useSuite } from '../support/suite.ts';
import { openBossTestBed } from '../support/worker-harness.ts';

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function serve(args: string[], env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'dashboard', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening in time:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = /dashboard: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

async function stop({ child }: Served): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

describe('chat-archiver dashboard', () => {
  const running: Served[] = [];
  const bed = useSuite(async (release) => {
    const opened = release(await openBossTestBed());
    release({
      async close() {
        for (const served of running) await stop(served);
      },
    });
    return opened;
  });

  it('serves its pages read-only on 127.0.0.1 by default, and stops on Ctrl-C', async () => {
    const port = await freePort();
    const served = await serve(['--port', String(port)], cliEnv(bed.db));
    running.push(served);
    expect(served.url).toBe(`http://127.0.0.1:${port}/`);
    expect(served.output()).toContain('(read-only)');

    const page = await fetch(served.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>[^<]*pg-boss[^<]*<\/title>/i);
    const queues = await fetch(new URL('queues', served.url));
    expect(queues.status).toBe(200);
    expect(await queues.text()).toContain('archive-conversation');

    const write = await fetch(new URL('queues', served.url), { method: 'POST', headers: { origin: served.url.slice(0, -1) }, body: new URLSearchParams({ intent: 'create' }) });
    expect(write.status).toBe(403);

    expect(await stop(served)).toBe(0);
    expect(served.output()).toContain('dashboard stopped');
  });

  it('asks for the configured basic auth credentials', async () => {
    const served = await serve(['--port', String(await freePort())], cliEnv(bed.db, { DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'a-long-dashboard-secret' }));
    running.push(served);
    const anonymous = await fetch(served.url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await fetch(served.url, { headers: { authorization: `Basic ${Buffer.from('ops:wrong-password-123').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(served.url, { headers: { authorization: `Basic ${Buffer.from('ops:a-long-dashboard-secret').toString('base64')}` } });
    expect(right.status).toBe(200);
    expect(await stop(served)).toBe(0);
  });

  it('refuses any non-loopback address, or write access, without basic auth (exit 2)', async () => {
    const open = await runCli(['dashboard', '--host', '0.0.0.0', '--port', String(await freePort())], cliEnv(bed.db));
    expect(open).toMatchObject({ code: 2, stdout: '' });
    expect(open.stderr).toBe(
      'chat-archiver dashboard: refusing to serve the dashboard on 0.0.0.0 without authentication: set DASHBOARD_USER and DASHBOARD_PASSWORD, or listen on 127.0.0.1\n',
    );
    const viaEnv = await runCli(['dashboard'], cliEnv(bed.db, { DASHBOARD_HOST: '192.168.1.10', DASHBOARD_PORT: String(await freePort()) }));
    expect(viaEnv.code).toBe(2);
    const writable = await runCli(['dashboard', '--read-write', '--port', String(await freePort())], cliEnv(bed.db));
    expect(writable.code).toBe(2);
    expect(writable.stderr).toContain('a dashboard that can change jobs needs DASHBOARD_USER and DASHBOARD_PASSWORD');
    const halfAuth = await runCli(['dashboard'], cliEnv(bed.db, { DASHBOARD_USER: 'ops' }));
    expect(halfAuth.code).toBe(2);
    expect(halfAuth.stderr).toContain('DASHBOARD_PASSWORD: required with DASHBOARD_USER');
  });
});
