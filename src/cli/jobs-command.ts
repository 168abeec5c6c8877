import type { JobWithMetadata } from 'pg-boss';
import { describePayload, errorMessage, formatTimestamp } from '../ops/describe-job.ts';
import { formatAge } from '../ops/duration.ts';
import { cancelJob, JobActionRefusal, retryFailedJobs, retryJob, type RetryResult } from '../ops/job-actions.ts';
import { attemptsStarted, findDeadLetterCopies, findServiceJob, listJobs, type JobSummary } from '../ops/job-queries.ts';
import { jobStateHelp, parseJobState, type JobState } from '../ops/job-states.ts';
import { allServiceQueueNames, isServiceQueue, serviceQueues, sourceOfDeadLetterQueue } from '../ops/service-queues.ts';
import { CliError, UsageError, type Command } from './command.ts';
import { formatTable } from './format-table.ts';
import { withOpsSession } from './ops-session.ts';
import { parseOptions, positiveInteger, uuidArgument } from './parse-options.ts';
import { dispatch, noArguments, type Subcommand } from './subcommands.ts';

const MAX_LIST = 1000;

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'jobs list | show <id> | retry <id> | retry --queue Q --state failed | cancel <id>',
  usage: [
    'Usage: chat-archiver jobs list [--queue Q] [--state S] [--limit N] [--json]',
    '       chat-archiver jobs show <id> [--json]',
    '       chat-archiver jobs retry <id> [--json]',
    '       chat-archiver jobs retry --queue Q --state failed [--json]',
    '       chat-archiver jobs cancel <id> [--json]',
    '',
    `Queues: ${allServiceQueueNames.join(', ')}.`,
    `States: ${jobStateHelp}.`,
    'list: newest first, all queues unless --queue (default --limit 20, at most 1000).',
    'retry: a failed job goes back to the queue under the same id and its dead-letter copy is removed; a dead letter',
    'retries its original job, or is redriven into its source queue when the original is gone. Only failed jobs and',
    'waiting dead letters can be retried. cancel: a queued, retrying or running job is marked cancelled.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values, positionals } = parseOptions(
      args,
      { queue: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    const json = values.json === true;
    const queue = values.queue === undefined ? undefined : parseQueue(values.queue);
    const state = values.state === undefined ? undefined : parseState(values.state);
    const write = (text: string) => stdout.write(`${text}\n`);

    const subcommands: Record<string, Subcommand> = {
      list: async (rest) => {
        noArguments(rest);
        const limit = positiveInteger(values.limit, '--limit', 20);
        if (limit > MAX_LIST) throw new UsageError(`--limit may be at most ${MAX_LIST}, got ${limit}`);
        const jobs = await withOpsSession(config(), ({ boss }) =>
          listJobs(boss.getDb(), { ...(queue ? { queues: [queue] } : {}), ...(state ? { state } : {}), limit }),
        );
        if (json) write(JSON.stringify(jobs));
        else write(jobs.length ? renderList(jobs) : `no jobs${state ? ` in state ${state}` : ''}${queue ? ` in ${queue}` : ''}`);
        return 0;
      },
      show: async (rest) => {
        const id = singleId(rest, values, 'show');
        return withOpsSession(config(), async ({ boss }) => {
          const found = await findServiceJob(boss, id);
          if (!found) throw new CliError(`no job ${id} in the service's queues`);
          const deadLetterQueue = serviceQueues.find((q) => q.name === found.queue)?.deadLetterQueue;
          const [copy] = deadLetterQueue && found.job.state === 'failed' ? await findDeadLetterCopies(boss.getDb(), deadLetterQueue, [id]) : [];
          const deadLetter = copy && deadLetterQueue ? { queue: deadLetterQueue, id: copy.id } : null;
          if (json) write(JSON.stringify({ queue: found.queue, deadLetterCopy: deadLetter, ...withoutSignal(found.job) }));
          else write(renderJob(found.queue, found.job, deadLetter));
          return 0;
        });
      },
      retry: async (rest) => {
        if (queue !== undefined || state !== undefined) {
          if (rest.length) throw new UsageError('give either a job id or --queue with --state failed, not both');
          if (!queue) throw new UsageError('bulk retry needs --queue');
          if (state !== 'failed') throw new UsageError('bulk retry needs --state failed: only failed jobs can be retried');
          const result = await withOpsSession(config(), (session) => retryFailedJobs(session, queue)).catch(refusalToCliError);
          if (json) write(JSON.stringify(result));
          else write(renderRetry(result, queue));
          return 0;
        }
        const id = singleId(rest, values, 'retry');
        const result = await withOpsSession(config(), (session) => retryJob(session, id)).catch(refusalToCliError);
        if (json) write(JSON.stringify(result));
        else write(renderRetry(result));
        return 0;
      },
      cancel: async (rest) => {
        const id = singleId(rest, values, 'cancel');
        const result = await withOpsSession(config(), (session) => cancelJob(session, id)).catch(refusalToCliError);
        if (json) write(JSON.stringify({ id, ...result, state: 'cancelled' }));
        else write(`cancelled job ${id} in ${result.queue} (was ${result.previousState})`);
        return 0;
      },
    };
    return dispatch(subcommands, positionals);
  },
};

function parseQueue(text: string): string {
  if (!isServiceQueue(text)) throw new UsageError(`unknown queue "${text}" (expected one of ${allServiceQueueNames.join(', ')})`);
  return text;
}

function parseState(text: string): JobState {
  const state = parseJobState(text);
  if (!state) throw new UsageError(`unknown state "${text}" (expected ${jobStateHelp})`);
  return state;
}

function singleId(rest: string[], values: { limit?: string | undefined }, sub: string): string {
  if (rest.length !== 1) throw new UsageError(`${sub} expects exactly one job id`);
  if (values.limit !== undefined) throw new UsageError(`--limit does not apply to ${sub}`);
  return uuidArgument(rest[0]!, 'a job id');
}

function refusalToCliError(error: unknown): never {
  if (error instanceof JobActionRefusal) throw new CliError(error.message);
  throw error;
}

function took(job: JobSummary): string {
  if (job.startedOn && job.completedOn) return formatAge(job.completedOn.getTime() - job.startedOn.getTime());
  if (job.state === 'active' && job.startedOn) return `running ${formatAge(Date.now() - job.startedOn.getTime())}`;
  return '-';
}

function detail(job: JobSummary): string {
  if (job.state === 'failed') return errorMessage(job.output) ?? '';
  if (sourceOfDeadLetterQueue(job.queue)) return `dead letter: ${errorMessage(job.sourceOutput) ?? 'no error recorded'}`;
  if (job.state === 'retry') return `last error: ${errorMessage(job.output) ?? '-'}`;
  return describePayload(job.data);
}

function renderList(jobs: JobSummary[]): string {
  return formatTable(jobs, [
    { header: 'ID', value: (j) => j.id },
    { header: 'QUEUE', value: (j) => j.queue },
    { header: 'STATE', value: (j) => j.state },
    { header: 'ATTEMPT', value: (j) => `${j.attempts}/${j.maxAttempts}`, align: 'right' },
    { header: 'CREATED', value: (j) => formatTimestamp(j.createdOn) },
    { header: 'TOOK', value: took, align: 'right' },
    { header: 'DETAIL', value: detail, maxWidth: 70 },
  ]);
}

function withoutSignal(job: JobWithMetadata<unknown>): Omit<JobWithMetadata<unknown>, 'signal'> {
  const { signal: _signal, ...rest } = job;
  return rest;
}

function renderJob(queue: string, job: JobWithMetadata<unknown>, deadLetter: { queue: string; id: string } | null): string {
  const lines: Array<[string, string]> = [
    ['job', job.id],
    ['queue', queue],
    ['state', job.state],
    ['attempts', `${attemptsStarted(job.retryCount, job.startedOn)} of ${job.retryLimit + 1}`],
    ['created', formatTimestamp(job.createdOn)],
    ['start after', formatTimestamp(job.startAfter)],
    ['started', formatTimestamp(job.startedOn)],
    ['finished', formatTimestamp(job.completedOn)],
  ];
  if (job.startedOn) lines.push(['waited', formatAge(job.startedOn.getTime() - job.createdOn.getTime())]);
  if (job.startedOn && job.completedOn) lines.push(['ran', formatAge(job.completedOn.getTime() - job.startedOn.getTime())]);
  if (job.singletonKey) lines.push(['key', job.singletonKey]);
  if (deadLetter) lines.push(['dead letter', `${deadLetter.id} in ${deadLetter.queue}`]);
  if (job.sourceName) lines.push(['copy of', `${job.sourceId ?? '?'} in ${job.sourceName} (failed after ${(job.sourceRetryCount ?? 0) + 1} attempt(s))`]);
  const width = Math.max(...lines.map(([k]) => k.length));
  const out = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  out.push('payload:', indent(JSON.stringify(job.data, null, 2)));
  const failure = job.state !== 'completed' && looksLikeError(job.output) ? job.output : job.sourceOutput;
  if (failure) {
    out.push(job.state === 'failed' ? 'error:' : job.sourceName ? 'error of the original job:' : 'last error:', indent(errorText(failure)));
  } else if (job.output) {
    out.push('output:', indent(JSON.stringify(job.output, null, 2)));
  }
  return out.join('\n');
}

/** A serialised Error, or the worker's `{error: {code, message}}`. */
function looksLikeError(output: unknown): boolean {
  if (!output || typeof output !== 'object') return false;
  const record = output as { message?: unknown; error?: unknown };
  return typeof record.message === 'string' || (typeof record.error === 'object' && record.error !== null);
}

function errorText(output: unknown): string {
  const stack = output && typeof output === 'object' ? (output as { stack?: unknown }).stack : undefined;
  return typeof stack === 'string' ? stack : (errorMessage(output) ?? '');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function renderRetry(result: RetryResult, queue?: string): string {
  const lines: string[] = [];
  for (const job of result.retried) lines.push(`retried job ${job.id} in ${job.queue} (same id, state retry)`);
  for (const job of result.redriven) lines.push(`redrove dead letter ${job.deadLetterId} into ${job.queue}${job.newJobId ? ` as job ${job.newJobId}` : ''}`);
  if (result.removedDeadLetters.length) lines.push(`removed ${result.removedDeadLetters.length} dead-letter cop${result.removedDeadLetters.length === 1 ? 'y' : 'ies'} of the retried job(s)`);
  for (const job of result.skipped) lines.push(`skipped ${job.id} in ${job.queue}: ${job.reason}`);
  if (lines.length === 0) lines.push(`nothing to retry${queue ? ` in ${queue}` : ''}`);
  else if (queue && result.retried.length + result.redriven.length > 1) lines.push(`${result.retried.length + result.redriven.length} job(s) retried`);
  return lines.join('\n');
}
