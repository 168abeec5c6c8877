import fs from 'node:fs';
import path from 'node:path';

const GROUP_OR_OTHER_WRITABLE = 0o022;

/**
 * Whether a copy of the PostgreSQL binaries found in a shared directory (the OS temp dir) may be run: a real
 * directory (not a symlink) owned by `ownerUid` (root) that neither group nor others can write, and the same for
 * its `bin` directory. Anything else could have been planted or changed by another local user.
 */
export function isTrustedInstallCopy(dir: string, ownerUid = 0): boolean {
  for (const d of [dir, path.join(dir, 'bin')]) {
    let info: fs.Stats;
    try {
      info = fs.lstatSync(d);
    } catch {
      return false;
    }
    if (!info.isDirectory() || info.uid !== ownerUid || (info.mode & GROUP_OR_OTHER_WRITABLE) !== 0) return false;
  }
  return true;
}
