import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createDb, withDatabase } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/database.ts';
import type { DatabaseTarget } from '../../src/db/database-target.ts';
import { useSuite } from './suite.ts';
import { adminQuery } from './test-cluster.ts';

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  serviceUrl: string;
  /** Connected as the owner: for arranging and checking rows. */
  owner: Kysely<Database>;
  /** Connected as the restricted service role, as the mcp and worker processes are. */
  service: Kysely<Database>;
  target: DatabaseTarget;
  /** The environment a `chat-archiver` child process needs for this database (owner URL + service role). */
  env: Record<string, string>;
  /** A config pointing at this database, with overrides applied. */
  config(env?: Record<string, string>): Config;
  drop(): Promise<void>;
}

/**
 * A database of this test file's own, cloned from the run's template (host schema, demo data, migrations, roles).
 * `empty: true` gives a bare database instead (no host tables), for migration tests.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const cluster = inject('testCluster');
  const name = `ca_t_${cluster.runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(cluster.adminUrl, options.empty ? `CREATE DATABASE "${name}"` : `CREATE DATABASE "${name}" TEMPLATE "${cluster.template}"`);
  const ownerUrl = withDatabase(cluster.adminUrl, name);
  const service = new URL(ownerUrl);
  service.username = cluster.serviceUser;
  service.password = cluster.servicePassword;
  const serviceUrl = service.toString();
  const owner = createDb(ownerUrl, { max: 3, applicationName: 'test:owner' });
  const serviceDb = createDb(serviceUrl, { max: 3, applicationName: 'test:service' });
  const baseEnv: Record<string, string> = {
    DATABASE_URL: ownerUrl,
    MCP_DB_USER: cluster.serviceUser,
    MCP_DB_PASSWORD: cluster.servicePassword,
    LOG_LEVEL: 'silent',
  };
  return {
    name,
    ownerUrl,
    serviceUrl,
    owner,
    service: serviceDb,
    target: { ownerUrl, serviceUrl, isEmbeddedDefault: false, description: `test database ${name}`, close: async () => {} },
    env: baseEnv,
    config: (env = {}) => loadConfig({ ...baseEnv, ...env }),
    async drop() {
      await owner.destroy();
      await serviceDb.destroy();
      await adminQuery(cluster.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** A test database of the enclosing describe block's own: created before its tests, dropped after them. */
export function useTestDatabase(options: { empty?: boolean } = {}): TestDatabase {
  return useSuite(async (release) => release(await createTestDatabase(options)));
}
