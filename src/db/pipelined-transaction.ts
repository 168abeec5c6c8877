import type { Writable } from 'node:stream';
import type pg from 'pg';

/** Sends one statement of the transaction; its answer arrives once the whole batch has been answered. */
export type SubmitStatement = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/**
 * One transaction sent as one batch on a connection of a pipelined pool (`pipeline: true`): BEGIN, the statements
 * `submitAll` submits, COMMIT, and only then the wait for the answers — one round trip instead of one per statement.
 * The statements cannot depend on each other's answers in JS, only in SQL: a statement that fails aborts the
 * transaction, every later one fails with it, and COMMIT rolls back. `submitAll` resolves once it has submitted its
 * last statement (it must not wait for an answer). Resolves with its value once the transaction committed; rejects
 * with the first statement's failure otherwise, nothing committed.
 */
export async function pipelinedTransaction<T>(pool: pg.Pool, submitAll: (submit: SubmitStatement) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  if (!client.pipeline) {
    client.release();
    throw new Error('pipelinedTransaction needs a pool of pipelined connections (createPool with pipeline: true)');
  }
  const socket = socketOf(client);
  // The batch leaves in one write (one wake-up of the server), as pg does for the messages of one statement.
  socket?.cork();
  const answers: Promise<pg.QueryResult>[] = [];
  const submit: SubmitStatement = (text, values) => {
    const answer = client.query(text, values);
    answer.catch(() => {});
    answers.push(answer);
    return answer;
  };
  // A database's refusal (an SQLSTATE) leaves the connection usable; anything else (a lost connection) drops it.
  let unusable: Error | undefined;
  try {
    submit('BEGIN');
    let value: T;
    try {
      value = await submitAll(submit);
    } catch (error) {
      // Whatever was sent before the failure is rolled back.
      const rollback = submit('ROLLBACK');
      socket?.uncork();
      await rollback.catch((rollbackFailure: unknown) => {
        if (!isDatabaseRefusal(rollbackFailure)) unusable = asError(rollbackFailure);
      });
      throw error;
    }
    submit('COMMIT');
    socket?.uncork();
    const settled = await Promise.allSettled(answers);
    const failed = settled.find((answer) => answer.status === 'rejected');
    if (failed) {
      if (!isDatabaseRefusal(failed.reason)) unusable = asError(failed.reason);
      throw failed.reason;
    }
    return value;
  } finally {
    client.release(unusable);
  }
}

/** The client's socket (pg does not type it: `connection.stream`), when it has one that can be corked. */
function socketOf(client: pg.PoolClient): Writable | undefined {
  const stream = (client as unknown as { connection?: { stream?: Partial<Writable> } }).connection?.stream;
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function' ? (stream as Writable) : undefined;
}

function isDatabaseRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
