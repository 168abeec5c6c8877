import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI } from './run-cli.ts';
import { freePort } from './test-cluster.ts';

/** A real `chat-archiver worker` child process, with its JSON log lines parsed as they arrive. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The process's log lines (pino JSON on stderr) so far. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** What the process wrote to stderr that is not a log line (a crash's stack trace), last 4,000 characters. */
  otherStderr(): string;
  /** Job ids this process logged as started and not yet as ended (completed or failed), per its log. */
  inFlight(): Set<string>;
  /** The process's peak resident set (VmHWM), in bytes; only while it runs. */
  peakRssBytes(): number;
  /** The process's resident set now (VmRSS), in bytes; only while it runs. */
  rssBytes(): number;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

const ENDED = new Set(['job completed', 'job failed: will retry', 'job failed: retries exhausted', 'job failed permanently: moved to the dead-letter queue']);

/** Starts `chat-archiver worker` with exactly `env` (plus PATH and HOME) and waits until it says it runs. */
export async function startWorkerProcess(
  env: Record<string, string>,
  options: { concurrency?: number; readyTimeoutMs?: number; nodeFlags?: string[] } = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), CLI, 'worker', '--concurrency', String(options.concurrency ?? 2)], {
    // Job lines are logged at info: the log is how a test knows which jobs a process holds.
    // Each process serves its health and metrics endpoints on a port of its own.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', WORKER_HTTP_PORT: String(await freePort()), ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stdout = '';
  let stderrTail = '';
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        stderrTail = (stderrTail + line + '\n').slice(-4000);
      }
    }
  });
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in time; stdout: ${stdout}; stderr: ${stderrTail}`)), options.readyTimeoutMs ?? 30_000);
    const check = () => {
      if (!stdout.includes('worker:')) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve();
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it started; stdout: ${stdout}; stderr: ${stderrTail}; log: ${JSON.stringify(logs.slice(-5))}`));
    });
  });

  return {
    child,
    pid: child.pid!,
    logs,
    exited,
    otherStderr: () => stderrTail + partial,
    inFlight() {
      const running = new Set<string>();
      for (const line of logs) {
        if (typeof line.jobId !== 'string') continue;
        if (line.msg === 'job started') running.add(line.jobId);
        else if (typeof line.msg === 'string' && ENDED.has(line.msg)) running.delete(line.jobId);
      }
      return running;
    },
    peakRssBytes: () => procStatusBytes(child.pid!, 'VmHWM'),
    rssBytes: () => procStatusBytes(child.pid!, 'VmRSS'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A memory field (`VmRSS`, `VmHWM`) of /proc/<pid>/status, in bytes. */
function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kb === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb) * 1024;
}
