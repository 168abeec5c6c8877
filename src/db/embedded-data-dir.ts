import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { reachableByOthers, UNPRIVILEGED_ID } from './embedded-postgres.ts';

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

/** Private to the service's user. */
export const PRIVATE_DIR_MODE = 0o700;
/** Crossable by the unprivileged database user, but not listable or readable by anyone but the owner. */
export const CROSSABLE_DIR_MODE = 0o711;

/**
 * Makes the service's directories private before the embedded server starts: DATA_DIR (logs, exports, the cluster)
 * is 0700, or 0711 when the cluster inside it runs as `nobody` (root start) and must be crossed; the root fallback's
 * per-project directory is 0711; the cluster itself is 0700. A directory that is not ours, or a shared sticky
 * directory such as /tmp named as DATA_DIR, is left as it is; an explicit EMBEDDED_PG_DATA's parents are never touched.
 */
export function securePrivateDirs(
  config: Pick<Config, 'dataDir' | 'embedded'>,
  clusterDir: string,
  { asRoot = process.platform !== 'win32' && process.getuid?.() === 0, fallbackBase = ROOT_FALLBACK_BASE } = {},
): void {
  if (process.platform === 'win32') return;
  const dataDir = path.resolve(config.dataDir);
  const cluster = path.resolve(clusterDir);
  const clusterInsideDataDir = cluster.startsWith(dataDir + path.sep);
  tighten(dataDir, asRoot && clusterInsideDataDir ? CROSSABLE_DIR_MODE : PRIVATE_DIR_MODE);
  const base = path.resolve(fallbackBase);
  if (asRoot && !config.embedded.dataDirExplicit && cluster.startsWith(base + path.sep)) {
    tighten(base, CROSSABLE_DIR_MODE);
    tighten(path.dirname(cluster), CROSSABLE_DIR_MODE);
  }
  if (fs.existsSync(cluster)) tighten(cluster, PRIVATE_DIR_MODE);
}

function tighten(dir: string, mode: number): void {
  fs.mkdirSync(dir, { recursive: true, mode });
  const info = fs.statSync(dir);
  const uid = process.getuid?.();
  // Run as root, the cluster belongs to the unprivileged server user.
  const ours = info.uid === uid || (uid === 0 && info.uid === UNPRIVILEGED_ID);
  const sharedSticky = (info.mode & 0o1000) !== 0;
  if (!info.isDirectory() || !ours || sharedSticky) return;
  if ((info.mode & 0o777) !== mode) fs.chmodSync(dir, mode);
}

/** The data dir itself is private to the server (0700, owned by it); what matters is that its parents can be crossed. */
function reachableFromAnyUser(dir: string): boolean {
  let existing = path.dirname(path.resolve(dir));
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  return reachableByOthers(path.join(existing, 'entry'));
}
