import { inject } from 'vitest';
import type { TestDatabase } from './test-database.ts';

/** The environment that points the real CLI at a test database (owner URL + the test service role). */
export function cliEnv(db: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  const cluster = inject('testCluster');
  return { DATABASE_URL: db.ownerUrl, MCP_DB_USER: cluster.serviceUser, MCP_DB_PASSWORD: cluster.servicePassword, LOG_LEVEL: 'silent', ...extra };
}
