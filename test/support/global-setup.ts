import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { adminQuery, buildTemplate, freePort, TEST_SERVICE_PASSWORD, TEST_SERVICE_USER } from './test-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testCluster: { adminUrl: string; template: string; runId: string; serviceUser: string; servicePassword: string };
  }
}

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set, otherwise the embedded default in a temp dir.
 * A template database (host schema + demo data + migrations + service role) is built once; each test file clones it.
 */
export default async function setup(project: TestProject) {
  const runId = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  let embedded: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-archiver-test-'));
    fs.chmodSync(tempDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'pg'), port: await freePort(), logFile: path.join(tempDir, 'postgres.log') });
    adminUrl = embedded.url;
  }
  const template = `ca_tpl_${runId}`;
  await buildTemplate(adminUrl, template);
  project.provide('testCluster', { adminUrl, template, runId, serviceUser: TEST_SERVICE_USER, servicePassword: TEST_SERVICE_PASSWORD });

  return async () => {
    const leftovers = await adminQuery<{ datname: string }>(adminUrl, `SELECT datname FROM pg_database WHERE datname LIKE $1`, [`ca\\_%${runId}%`]);
    for (const { datname } of leftovers) {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await embedded?.stop();
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  };
}
