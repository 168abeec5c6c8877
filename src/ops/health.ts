import { sql, type Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';

export interface CheckResult {
  ok: boolean;
  ms: number;
  /** A short cause (error code or "timeout"), never a message that could carry connection details. */
  error?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult; pgBoss: CheckResult };
}

export interface ReadinessOptions {
  db: Kysely<any>;
  boss: Pick<PgBoss, 'isInstalled'>;
  /** A probe must answer quickly: a hung connection counts as not ready. */
  timeoutMs?: number;
}

/**
 * Readiness = our database pool answers and pg-boss (its own pool) finds its schema. Concurrent probes share one
 * check, so a storm of probes against a dead database does not pile up connection attempts.
 */
export function createReadinessCheck(options: ReadinessOptions): () => Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  let inFlight: Promise<Readiness> | undefined;
  const run = async (): Promise<Readiness> => {
    const [database, pgBoss] = await Promise.all([
      probe(async () => {
        await sql`SELECT 1`.execute(options.db);
      }, timeoutMs),
      probe(async () => {
        if (!(await options.boss.isInstalled())) throw Object.assign(new Error('pg-boss schema missing'), { code: 'schema-missing' });
      }, timeoutMs),
    ]);
    return { ready: database.ok && pgBoss.ok, checks: { database, pgBoss } };
  };
  return () => {
    inFlight ??= run().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

async function probe(check: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'timeout' })), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, ms: Math.round(performance.now() - started), error: typeof code === 'string' ? code : 'error' };
  } finally {
    clearTimeout(timer);
  }
}
