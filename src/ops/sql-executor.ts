/**
 * What ops queries need to read pg-boss's tables: `boss.getDb()`, pg-boss's own pool, or `fromKysely(trx)`.
 * pg-boss's API has no state filter, newest-first listing or per-state counts, so those reads are plain SQL.
 */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}
