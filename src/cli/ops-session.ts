import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config.ts';
import { createDb } from '../db/connect.ts';
import type { Database } from '../db/database.ts';
import { openDatabaseTarget } from '../db/database-target.ts';
import { createBoss } from '../jobs/boss.ts';
import { ensureQueues } from '../jobs/registry.ts';
import { CliError } from './command.ts';

export interface OpsSession {
  boss: PgBoss;
  /** Connected as the service role, like the mcp and worker processes. */
  db: Kysely<Database>;
  /** Where, for messages (no credentials). */
  description: string;
}

export interface OpsSessionOptions {
  /** Create missing queues first (commands that enqueue); read-only commands never change anything. */
  ensureQueues?: boolean;
}

/**
 * What the ops commands share: the database (attached, or the embedded default started for the command's
 * duration) and a pg-boss client as the service role with no worker, supervisor or schedule of its own.
 */
export async function withOpsSession<T>(config: Config, work: (session: OpsSession) => Promise<T>, options: OpsSessionOptions = {}): Promise<T> {
  const target = await openDatabaseTarget(config, { mode: 'attach' });
  const boss = createBoss(target.serviceUrl, { instanceName: 'cli', max: 3 });
  const db = createDb(target.serviceUrl, { max: 3, applicationName: 'chat-archiver:cli', statementTimeoutMs: config.statementTimeoutMs });
  try {
    try {
      await boss.start({ attempts: 1 });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new CliError(`cannot open the job queues on ${target.description}: ${detail} (has \`chat-archiver migrate\` run?)`);
    }
    if (options.ensureQueues) await ensureQueues(boss);
    return await work({ boss, db, description: target.description });
  } finally {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    await db.destroy();
    await target.close();
  }
}
