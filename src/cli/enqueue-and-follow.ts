import { errorMessage } from '../ops/describe-job.ts';
import { followJobs } from '../ops/follow-jobs.ts';
import { jobOutcomes } from '../ops/job-queries.ts';
import type { CommandContext } from './command.ts';
import { formatTable } from './format-table.ts';
import type { OpsSession } from './ops-session.ts';
import { createProgressReporter } from './progress-reporter.ts';

export interface EnqueuedJob {
  /** What the job is about, for people: a thread id, a date range. */
  subject: string;
  jobId: string;
  deduplicated: boolean;
}

export interface FollowChoice {
  wait: boolean;
  timeoutMs?: number;
  json: boolean;
  /** For the progress line and summary: "archive", "analysis". */
  label: string;
}

/**
 * Prints what was enqueued and, unless --no-wait, follows the jobs to the end with a progress display on stderr.
 * Exit code 0 when every job completed (or when not waiting), 1 when one failed or was cancelled, or on timeout.
 */
export async function reportAndFollow(
  session: OpsSession,
  io: Pick<CommandContext, 'stdout' | 'stderr'>,
  queue: string,
  jobs: EnqueuedJob[],
  choice: FollowChoice,
): Promise<number> {
  const deduplicated = jobs.filter((j) => j.deduplicated).length;
  const enqueuedLine = `enqueued ${jobs.length - deduplicated} ${choice.label} job(s)${deduplicated ? `, ${deduplicated} already queued or running (same request)` : ''}`;
  if (!choice.wait) {
    if (choice.json) io.stdout.write(`${JSON.stringify({ queue, jobs })}\n`);
    else {
      io.stdout.write(`${enqueuedLine}\n`);
      if (jobs.length) {
        io.stdout.write(
          `${formatTable(jobs, [
            { header: 'JOB', value: (j) => j.jobId },
            { header: 'SUBJECT', value: (j) => j.subject },
            { header: 'NOTE', value: (j) => (j.deduplicated ? 'already queued' : '') },
          ])}\n`,
        );
      }
    }
    return 0;
  }

  io.stderr.write(`${enqueuedLine}; following them (Ctrl-C stops waiting, the jobs keep running)\n`);
  const reporter = createProgressReporter(io.stderr, choice.label);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  let result;
  try {
    result = await followJobs(
      session.boss.getDb(),
      jobs.map((j) => ({ queue, id: j.jobId })),
      { ...(choice.timeoutMs !== undefined ? { timeoutMs: choice.timeoutMs } : {}), signal: stop.signal, onProgress: (p) => reporter.update(p) },
    );
  } finally {
    process.off('SIGINT', onSignal);
    reporter.end();
  }
  const outcomes = await jobOutcomes(session.boss.getDb(), [queue], jobs.map((j) => j.jobId));
  const detailed = jobs.map((j) => {
    const outcome = outcomes.get(j.jobId);
    return { ...j, state: outcome?.state ?? 'deleted', ...(outcome?.state === 'failed' ? { error: errorMessage(outcome.output) ?? null } : {}) };
  });
  const summary = `${result.total} ${choice.label} job(s): ${result.completed} completed, ${result.failed} failed${result.cancelled ? `, ${result.cancelled} cancelled` : ''}${
    result.done ? '' : `, ${result.total - result.finished} not finished yet`
  }`;
  if (choice.json) {
    io.stdout.write(`${JSON.stringify({ queue, done: result.done, summary: { ...result }, jobs: detailed })}\n`);
  } else {
    io.stdout.write(`${summary}\n`);
    const failed = detailed.filter((j) => j.state === 'failed');
    if (failed.length) {
      io.stdout.write(
        `${formatTable(failed, [
          { header: 'FAILED JOB', value: (j) => j.jobId },
          { header: 'SUBJECT', value: (j) => j.subject },
          { header: 'ERROR', value: (j) => ('error' in j ? (j.error ?? '') : ''), maxWidth: 80 },
        ])}\n`,
      );
    }
  }
  if (!result.done) {
    io.stderr.write(`stopped waiting with ${result.total - result.finished} job(s) unfinished; they keep running (chat-archiver jobs list --queue ${queue})\n`);
    return 1;
  }
  if (result.failed || result.cancelled) {
    io.stderr.write(`${result.failed + result.cancelled} job(s) did not complete: chat-archiver jobs show <id>, chat-archiver jobs retry <id>\n`);
    return 1;
  }
  return 0;
}
