/** What a caller is told while PostgreSQL is restarting or out of reach. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the archive database is temporarily unavailable, retry shortly';

// SQLSTATEs of a server that is shutting down, starting up or dropped the connection, and class 08 (connection
// exception). Socket errors from node. Messages node-postgres uses for a connection lost or never made.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/**
 * What a database error means for the caller, whoever runs the query (tools, resources, ops, jobs):
 * - `outage`: the server cannot be reached right now (restart, lost connection): retry shortly;
 * - `timeout`: the statement ran past its timeout and was cancelled (57014);
 * - `conflict`: a unique or exclusion constraint, or a serialisation failure or deadlock (23505, 23P01, 40001, 40P01);
 * - `invalid_input`: the data was refused (class 22, data exception; 23502/23503/23514 constraint checks).
 * `undefined`: not a database error, or one of ours (a bug).
 */
export type DatabaseErrorClass = 'outage' | 'timeout' | 'conflict' | 'invalid_input';

const CONFLICT_SQLSTATES = new Set(['23505', '23P01', '40001', '40P01']);
const INVALID_INPUT_SQLSTATES = new Set(['23502', '23503', '23514']);

export function classifyDatabaseError(error: unknown): DatabaseErrorClass | undefined {
  if (isDatabaseUnavailable(error)) return 'outage';
  const code = sqlState(error);
  if (code === undefined) return undefined;
  if (code === '57014') return 'timeout';
  if (CONFLICT_SQLSTATES.has(code)) return 'conflict';
  if (code.startsWith('22') || INVALID_INPUT_SQLSTATES.has(code)) return 'invalid_input';
  return undefined;
}

/** The SQLSTATE of the error or of one of its causes (pg-boss and kysely wrap driver errors). */
function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for errors that mean "the database cannot be reached right now" rather than "this request is wrong". */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
    // AggregateError (a host with several addresses) and wrapped causes.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = cause;
  }
  return false;
}
