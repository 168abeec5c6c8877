const PLAIN_EVERY_MS = 5000;

/**
 * One line of progress on a stream: redrawn in place on a terminal; elsewhere (logs, pipes, CI) a plain line when
 * the text changed, at most every few seconds, so a log never holds hundreds of carriage returns on one line.
 */
export function createProgressLine(stream: NodeJS.WritableStream, plainEveryMs = PLAIN_EVERY_MS) {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let lastPlain = '';
  let lastPrintedAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    tty,
    /**
     * `final` prints the line in plain mode even when the last one was printed moments ago; `suffix` (an elapsed
     * time, say) is shown but does not count as a change.
     */
    show(text: string, { final = false, suffix = '' }: { final?: boolean; suffix?: string } = {}): void {
      if (tty) {
        stream.write(`\r\x1b[2K${text}${suffix}`);
        drawn = true;
        return;
      }
      const now = Date.now();
      if (text !== lastPlain && (final || now - lastPrintedAt >= plainEveryMs)) {
        stream.write(`${text}${suffix}\n`);
        lastPlain = text;
        lastPrintedAt = now;
      }
    },
    end(): void {
      if (tty && drawn) stream.write('\n');
    },
  };
}
