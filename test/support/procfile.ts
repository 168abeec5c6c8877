import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** The CLI entry point, relative to the repository root. */
export const CLI_SCRIPT = 'src/cli.ts';

/** The node flags the Procfile starts a process with (`worker: node <flags> src/cli.ts worker`): what is deployed. */
export function procfileNodeFlags(processName: string): string[] {
  const line = readFileSync(path.join(ROOT, 'Procfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${processName}:`));
  const words = line?.slice(processName.length + 1).trim().split(/\s+/) ?? [];
  const script = words.indexOf(CLI_SCRIPT);
  return words[0] === 'node' && script > 0 ? words.slice(1, script) : [];
}
