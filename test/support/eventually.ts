/**
 * Polls `check` until it returns a value other than undefined (or false), and returns that value; fails after
 * `timeoutMs` naming what it waited for and the last value seen. The one poll loop of the tests: where a test waits
 * for a job inside one process, pg-boss's own job spy or an event is better still.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
