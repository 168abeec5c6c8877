import { formatAge } from '../ops/duration.ts';
import type { FollowProgress } from '../ops/follow-jobs.ts';
import { createProgressLine } from './progress-line.ts';

const BAR_WIDTH = 24;

/**
 * Shows how followed jobs advance, on stderr so stdout stays clean for results: a bar redrawn in place on a
 * terminal, plain lines (when something changed, at most every few seconds) in logs and pipes.
 */
export function createProgressReporter(stream: NodeJS.WritableStream, label: string) {
  const line = createProgressLine(stream);
  const started = Date.now();
  return {
    update(p: FollowProgress): void {
      const counts = `completed ${p.completed}  failed ${p.failed}${p.cancelled ? `  cancelled ${p.cancelled}` : ''}  running ${p.active}  waiting ${p.waiting}`;
      const elapsed = formatAge(Date.now() - started);
      if (line.tty) {
        const filled = p.total === 0 ? BAR_WIDTH : Math.round((p.finished / p.total) * BAR_WIDTH);
        line.show(`${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${p.finished}/${p.total}  ${counts}  ${elapsed}`);
        return;
      }
      line.show(`${label}: ${p.finished}/${p.total} finished (${counts})`, { final: p.finished === p.total, suffix: `, ${elapsed}` });
    },
    end(): void {
      line.end();
    },
  };
}
