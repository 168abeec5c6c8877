import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv } from '../support/cli-env.ts';
import { runCli } from '../support/run-cli.ts';
import { freePort } from '../support/test-cluster.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// The store is checked before anything starts: a misconfigured bucket stops the process with one line and exit 2.
describe('export store checked at start', () => {
  let db: TestDatabase;
  let s3: TestS3Server;
  beforeAll(async () => {
    db = await createTestDatabase();
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.close();
    await db?.drop();
  });

  const expectOneLineExit2 = (result: { code: number | null; stderr: string }, pattern: RegExp) => {
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  };

  it('worker: a bucket that does not exist', async () => {
    const result = await runCli(['worker'], cliEnv(db, { ...s3.env('missing-bucket'), LOG_LEVEL: 'silent' }));
    expectOneLineExit2(result, /^chat-archiver worker: EXPORT_S3_BUCKET: bucket "missing-bucket" at http:\/\/127\.0\.0\.1:\d+ does not exist$/m);
  });

  it('mcp: credentials the store refuses', async () => {
    const env = { ...s3.env(), AWS_ACCESS_KEY_ID: 'WRONG', AWS_SECRET_ACCESS_KEY: 'WRONG', PORT: String(await freePort()), LOG_LEVEL: 'silent' };
    const result = await runCli(['mcp'], cliEnv(db, env));
    expectOneLineExit2(result, /^chat-archiver mcp: EXPORT_S3_\*: the credentials were refused/m);
  });

  it('worker: an endpoint nobody answers on', async () => {
    const result = await runCli(['worker'], cliEnv(db, { ...s3.env(), EXPORT_S3_ENDPOINT: 'http://127.0.0.1:1', LOG_LEVEL: 'silent' }));
    expectOneLineExit2(result, /EXPORT_S3_ENDPOINT: cannot reach bucket/);
  });
});
