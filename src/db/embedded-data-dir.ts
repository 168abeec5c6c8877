import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { reachableByOthers } from './embedded-postgres.ts';

/** Where the embedded cluster lives when the project sits in a directory the server's `nobody` cannot reach. */
export const ROOT_FALLBACK_BASE = '/var/lib/chat-archiver';

/**
 * The embedded database's data dir. Run as root, the server runs as `nobody`; a checkout under a private directory
 * (e.g. /root, mode 700) cannot hold its data, so the default moves to a stable per-project directory under
 * /var/lib/chat-archiver (the same one on every start, so the data is reused). An explicit EMBEDDED_PG_DATA is never
 * moved: the launcher then explains what is wrong with it.
 */
export function embeddedDataDir(
  config: Pick<Config, 'embedded'>,
  { asRoot = process.platform !== 'win32' && process.getuid?.() === 0, fallbackBase = ROOT_FALLBACK_BASE } = {},
): string {
  const wanted = config.embedded.dataDir;
  if (!asRoot || config.embedded.dataDirExplicit || reachableFromAnyUser(wanted)) return wanted;
  const project = path.basename(path.dirname(path.dirname(wanted))) || 'project';
  const id = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
  return path.join(fallbackBase, `${project}-${id}`, 'postgres');
}

/** The data dir itself is private to the server (0700, owned by it); what matters is that its parents can be crossed. */
function reachableFromAnyUser(dir: string): boolean {
  let existing = path.dirname(path.resolve(dir));
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  return reachableByOthers(path.join(existing, 'entry'));
}
