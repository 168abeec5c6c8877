import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CLI } from './run-cli.ts';

export interface SpawnedService {
  child: ChildProcess;
  /** The line the command printed once it was ready (e.g. `MCP server listening on http://…`). */
  readyLine: string;
  /** Everything the process wrote to stderr (its logs) so far. */
  stderr(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * Runs a long-lived `chat-archiver` command (mcp, worker) in a child process with exactly the given environment,
 * and resolves once its stdout shows a line matching `ready`.
 */
export async function spawnService(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<SpawnedService> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = once(child, 'exit');
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready after ${timeoutMs} ms:\n${stderr.slice(-2000)}`)), timeoutMs);
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      const line = stdout.split('\n').find((l) => ready.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${String(code)} before it was ready:\n${stderr.slice(-2000)}`));
    });
  });
  return {
    child,
    readyLine,
    stderr: () => stderr,
    async stop(stopTimeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const killer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      clearTimeout(killer);
      return code;
    },
  };
}

/** The URL in `MCP server listening on <url>`. */
export function listeningUrl(service: SpawnedService): string {
  const match = /listening on (http\S+?\/mcp)\b/.exec(service.readyLine);
  if (!match) throw new Error(`no URL in "${service.readyLine}"`);
  return match[1]!;
}
