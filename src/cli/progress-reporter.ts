import { formatAge } from '../ops/duration.ts';
import type { FollowProgress } from '../ops/follow-jobs.ts';

const BAR_WIDTH = 24;
const PLAIN_EVERY_MS = 5000;

/**
 * Shows how followed jobs advance, on stderr so stdout stays clean for results: a bar redrawn in place on a
 * terminal, plain lines (when something changed, at most every few seconds) in logs and pipes.
 */
export function createProgressReporter(stream: NodeJS.WritableStream, label: string) {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  const started = Date.now();
  let lastLine = '';
  let lastPrinted = 0;
  return {
    update(p: FollowProgress): void {
      const counts = `completed ${p.completed}  failed ${p.failed}${p.cancelled ? `  cancelled ${p.cancelled}` : ''}  running ${p.active}  waiting ${p.waiting}`;
      const elapsed = formatAge(Date.now() - started);
      if (tty) {
        const filled = p.total === 0 ? BAR_WIDTH : Math.round((p.finished / p.total) * BAR_WIDTH);
        stream.write(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${p.finished}/${p.total}  ${counts}  ${elapsed}`);
        return;
      }
      const line = `${label}: ${p.finished}/${p.total} finished (${counts})`;
      const now = Date.now();
      if (line !== lastLine && (now - lastPrinted >= PLAIN_EVERY_MS || p.finished === p.total)) {
        stream.write(`${line}, ${elapsed}\n`);
        lastLine = line;
        lastPrinted = now;
      }
    },
    end(): void {
      if (tty) stream.write('\n');
    },
  };
}
