// Every benchmark failure is one line on stderr and a non-zero exit: the reader learns what went wrong without a
// stack trace to dig through (BENCH_STACK=1 prints the stack as well, to debug the harness itself).

/** The first line of an error's message (or of its cause's, when the message itself is empty). */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message || String(error.cause ?? error.name) : String(error);
  const first = text.split('\n').find((line) => line.trim() !== '') ?? text;
  return first.trim();
}

/** Makes any uncaught error or rejection of this process end it with `<label>: <one line>` and exit code 1. */
export function exitOnFailureWithOneLine(label: string): void {
  const fail = (error: unknown): void => {
    process.stderr.write(`${label}: ${oneLine(error)}\n`);
    if (process.env.BENCH_STACK === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}
