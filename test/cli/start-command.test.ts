import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-cluster.ts';
import { CLI, runCli } from '../support/run-cli.ts';

interface Started {
  child: ChildProcess;
  output: () => string;
}

async function start(env: Record<string, string>): Promise<Started> {
  // In a process group of its own, so that stop() can signal the whole group as a terminal's Ctrl-C does.
  const child = spawn(process.execPath, [CLI, 'start'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      if (output.includes('press Ctrl-C to stop')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output };
}

async function stop({ child }: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  process.kill(-child.pid!, 'SIGINT');
  return exited;
}

describe('chat-archiver start (embedded default database)', () => {
  let root: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-archiver-start-'));
    fs.chmodSync(root, 0o755);
    env = {
      DATA_DIR: path.join(root, 'data'),
      EMBEDDED_PG_PORT: String(await freePort()),
      PORT: String(await freePort()),
      WORKER_HTTP_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('starts on a fresh machine, seeds demo data, migrates, and stops cleanly on Ctrl-C', async () => {
    const first = await start(env);
    expect(first.output()).toContain('embedded PostgreSQL at 127.0.0.1:');
    expect(first.output()).toContain('demo data written');

    // One process, one endpoint: the MCP app serves the health and metrics of the worker beside it.
    const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
    expect(ready.status).toBe(200);
    expect(first.output()).toContain(`health and metrics on http://127.0.0.1:${env.PORT}/metrics`);
    expect(first.output()).not.toContain(`:${env.WORKER_HTTP_PORT}`);

    // While it runs, other commands attach to the same embedded server.
    const status = await runCli(['migrate', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^applied {2}0001_host_archive_columns/m);

    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('stopped');
    // The database outlives the services that use it: no connection is cut under them.
    expect(first.output()).not.toContain('terminating connection');
    expect(fs.existsSync(path.join(env.DATA_DIR!, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('reuses the data on a second start', async () => {
    const second = await start(env);
    expect(second.output()).not.toContain('demo data written');
    expect(await stop(second)).toBe(0);
  });

  it('refuses to seed demo data into a database that has users', async () => {
    const result = await runCli(['demo', 'seed'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('already has users');
  });
});
