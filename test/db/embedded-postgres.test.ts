import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { makeClusterDir, type ClusterDir } from '../support/cluster-dir.ts';
import { freePort } from '../support/test-cluster.ts';
import { eventually } from '../support/eventually.ts';

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded PostgreSQL launcher', () => {
  let cluster: ClusterDir;
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    cluster = await makeClusterDir('embedded');
    ({ dataDir, port } = cluster);
  });
  afterAll(() => cluster?.remove());

  it('creates a cluster, listens on 127.0.0.1 only, and keeps data across restarts', async () => {
    const first = await startEmbeddedPostgres({ dataDir, port });
    expect(first.created).toBe(true);
    await query(first.url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES (\'hello\')');
    const [settings] = (await query(first.url, "SELECT current_setting('listen_addresses') AS listen")) as Array<{ listen: string }>;
    expect(settings?.listen).toBe('127.0.0.1');
    expect(fs.statSync(path.join(dataDir, 'chat-archiver-credentials.json')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0) expect(fs.statSync(dataDir).uid).toBe(65534); // the unprivileged server user owns its cluster
    await first.stop();
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir, port });
    expect(second.created).toBe(false);
    expect(second.servicePassword).toBe(first.servicePassword);
    expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'hello' }]);
    await second.stop();
  });

  it('requires a password: trust authentication is not enabled', async () => {
    const server = await startEmbeddedPostgres({ dataDir, port });
    try {
      const withoutPassword = new URL(server.url);
      withoutPassword.password = '';
      await expect(query(withoutPassword.toString(), 'SELECT 1')).rejects.toThrow(/password/i);
    } finally {
      await server.stop();
    }
  });

  it('survives a stale pid file left by a killed server', async () => {
    fs.writeFileSync(path.join(dataDir, 'postmaster.pid'), `999999\n${dataDir}\n0\n${port}\n`);
    const server = await startEmbeddedPostgres({ dataDir, port });
    expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await server.stop();
  });

  it('refuses a busy port with a clear one-line message', async () => {
    const blocker = net.createServer();
    const busy = await freePort();
    await new Promise<void>((resolve) => blocker.listen(busy, '127.0.0.1', resolve));
    try {
      const error = await startEmbeddedPostgres({ dataDir, port: busy }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect((error as Error).message).toBe(
        `port ${busy} on 127.0.0.1 is already in use (another PostgreSQL?): set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use that server`,
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses a data dir that a live server is using', async () => {
    const server = await startEmbeddedPostgres({ dataDir, port });
    try {
      const error = await startEmbeddedPostgres({ dataDir, port: await freePort() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect((error as Error).message).toMatch(/is in use by a running PostgreSQL \(pid \d+\)/);
    } finally {
      await server.stop();
    }
  });

  it('stops the server when its parent process is killed with SIGKILL', async () => {
    const script = `
      import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/db/embedded-postgres.ts'))};
      const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} });
      console.log('pid=' + s.pid);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        const m = /pid=(\d+)/.exec(b.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error('child exited early')));
    });
    const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(isAlive(postmaster)).toBe(true);
    child.kill('SIGKILL');
    await eventually('the postmaster to exit', () => !isAlive(postmaster), 15_000, 50);
    expect(pid).toBeGreaterThan(0);
    // and the next start works without manual clean-up
    const server = await startEmbeddedPostgres({ dataDir, port });
    await server.stop();
  });
});
