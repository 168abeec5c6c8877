/**
 * One-line descriptions of a job's payload and error for listings. Payloads and outputs are read as unknown: a job
 * written by an older or newer release may not match today's schemas, and a listing must still show it.
 */

/** The error message pg-boss stored for a failed attempt (a serialised Error, or whatever the handler threw). */
export function errorMessage(output: unknown): string | undefined {
  if (output === null || output === undefined) return undefined;
  if (typeof output === 'string') return output;
  if (typeof output !== 'object') return String(output);
  const record = output as Record<string, unknown>;
  if (typeof record.message === 'string') {
    return typeof record.name === 'string' && record.name !== 'Error' ? `${record.name}: ${record.message}` : record.message;
  }
  if (record.error && typeof record.error === 'object') {
    // The worker's failures: {error: {code, message, retryable}}; a specific code says more than the generic one.
    const { code, message } = record.error as { code?: unknown; message?: unknown };
    if (typeof message === 'string') return typeof code === 'string' && code !== 'job_failed' ? `${code}: ${message}` : message;
  }
  if (record.error !== undefined) return errorMessage(record.error);
  if (record.value !== undefined) return errorMessage(record.value);
  return JSON.stringify(output);
}

/** What a job is about, from its payload: the thread and archive name, or the analysed range. */
export function describePayload(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const p = data as Record<string, unknown>;
  if (typeof p.threadId === 'string') {
    const name = typeof p.name === 'string' ? ` "${p.name}"` : '';
    const format = typeof p.exportFormat === 'string' ? ` (${p.exportFormat})` : '';
    return `thread ${p.threadId}${name}${format}`;
  }
  if (p.range && typeof p.range === 'object') {
    const range = p.range as Record<string, unknown>;
    const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : '?');
    const who = typeof p.userId === 'string' ? `user ${p.userId}` : 'all users';
    return `${day(range.start)} … ${day(range.end)}, ${who}${typeof p.trigger === 'string' ? ` (${p.trigger})` : ''}`;
  }
  return JSON.stringify(data);
}

/** `2026-01-31 14:05:09` in UTC: sortable, unambiguous, the same on every machine. */
export function formatTimestamp(date: Date | null | undefined): string {
  if (!date) return '-';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
