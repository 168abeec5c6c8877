import { PgBoss, type ConstructorOptions } from 'pg-boss';
import type { Logger } from '../logger.ts';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';

export interface BossOptions {
  /** Shows in pg_stat_activity and pg-boss's instance list: 'mcp', 'worker', 'cli'. */
  instanceName: string;
  /** Maintenance and monitoring: one role per deployment is enough, workers take it. */
  supervise?: boolean;
  /** Runs cron schedules (the worker). */
  schedule?: boolean;
  max?: number;
  log?: Logger;
  /** Timer overrides (tests and benchmarks run the cron pass every second). */
  timers?: Pick<
    ConstructorOptions,
    'cronMonitorIntervalSeconds' | 'cronWorkerIntervalSeconds' | 'superviseIntervalSeconds' | 'monitorIntervalSeconds'
  >;
}

/**
 * pg-boss as the service role: its schema was installed by `migrate` (owner), so it never migrates here.
 * LISTEN/NOTIFY makes an idle worker pick a new job within milliseconds instead of the next poll.
 */
export function createBoss(serviceUrl: string, options: BossOptions): PgBoss {
  const boss = new PgBoss({
    connectionString: serviceUrl,
    schema: PGBOSS_SCHEMA,
    application_name: `chat-archiver:${options.instanceName}`,
    instanceName: options.instanceName,
    max: options.max ?? 4,
    migrate: false,
    createSchema: false,
    supervise: options.supervise ?? false,
    schedule: options.schedule ?? false,
    useListenNotify: true,
    persistWarnings: options.supervise ?? false,
    ...options.timers,
  });
  // Faults in pg-boss's background loops arrive as events; an unhandled 'error' would crash the process.
  boss.on('error', (error) => options.log?.error({ err: error }, 'pg-boss error'));
  boss.on('warning', (warning) => options.log?.warn({ warning }, 'pg-boss warning'));
  return boss;
}
