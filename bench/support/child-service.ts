import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CLI_SCRIPT, procfileNodeFlags } from '../../test/support/procfile.ts';
import { freePort } from '../../test/support/test-cluster.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ChildService {
  pid: number;
  /** The first match of `ready` in the child's stdout. */
  ready: RegExpExecArray;
  /** SIGTERM, then wait for the exit; the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

/**
 * Starts a long-running child (`node src/cli.ts worker`, `node src/cli.ts mcp`, or a bench server script) with
 * only the given environment, and resolves once its stdout matches `ready`. Node runs with the Procfile's flags (for
 * the CLI), `options.nodeArgs`, and BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the
 * services under load).
 */
export async function startChildService(
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  options: { nodeArgs?: string[] } = {},
): Promise<ChildService> {
  const nodeArgs = [
    ...(script === CLI_SCRIPT ? procfileNodeFlags(args[0] ?? '') : []),
    ...(options.nodeArgs ?? []),
    ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  // Health listeners on free ports, so a benchmark never collides with a service already running on the defaults.
  const ports = { PORT: String(await freePort()), WORKER_HTTP_PORT: String(await freePort()) };
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...ports, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = ready.exec(out);
      if (found) resolve(found);
    });
    void exited.then((code) => reject(new Error(`${script} ${args.join(' ')} exited with ${code} before it was ready: ${stderr}`)));
  });
  return {
    pid: child.pid!,
    ready: match,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export { CLI_SCRIPT };

export const WORKER_READY = /^worker: /m;
export const MCP_READY = /listening on (http:\/\/\S+?\/mcp)\b/;
