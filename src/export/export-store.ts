import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { drainOrClose } from './drain-or-close.ts';
import type { ChunkSink, ExportFileResult, ExportFormat } from './export-types.ts';

// Export files are written to a temp file beside their final name and renamed into place only once complete and
// fsynced, so a crash mid-write never leaves a half-written file under the final name, and a re-run replaces the
// previous file atomically. Temp files orphaned by a crash are removed by removeStaleTempFiles on restart.

/** An export file being written; exactly one of `commit` or `abort` ends it. */
export interface ExportFileWriter extends ChunkSink {
  /** Flushes to disk, moves the file to its final name and reports it. */
  commit(): Promise<ExportFileResult>;
  /** Discards what was written; safe to call more than once, and a no-op after a commit. */
  abort(): Promise<void>;
}

/** A bundle of a whole archive's exports is a ZIP file; the nightly analysis report an HTML page. */
export type StoredFormat = ExportFormat | 'zip' | 'html';

export interface ExportFileName {
  archiveId: string;
  /** The thread whose export this is, or `bundle` for an archive's ZIP bundle. */
  threadId: string;
  /** The job writing it: every job writes its own key, so a retry overwrites its own object and nobody else's. */
  jobId?: string;
  format: StoredFormat;
}

export const EXTENSIONS: Record<StoredFormat, string> = { json: 'json', markdown: 'md', pdf: 'pdf', zip: 'zip', html: 'html' };
const TEMP_SUFFIX = '.tmp';
// Exports hold chat text: only the service's own user may list or read them, whatever the umask.
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
// Ids become path segments: uuids in practice; anything that could climb out of the export directory is refused.
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

function segment(kind: string, value: string): string {
  if (!SAFE_SEGMENT.test(value)) throw new Error(`${kind} ${JSON.stringify(value)} cannot name an export file`);
  return value;
}

/** `<archiveId>/<threadId>[.<jobId>].<ext>`: the object's key inside any store. */
export function exportFileKey(name: ExportFileName): string {
  const job = name.jobId === undefined ? '' : `.${segment('jobId', name.jobId)}`;
  return `${segment('archiveId', name.archiveId)}/${segment('threadId', name.threadId)}${job}.${EXTENSIONS[name.format]}`;
}

/** `<exportDir>/<key>`, absolute. */
export function exportFilePath(exportDir: string, name: ExportFileName): string {
  return path.resolve(exportDir, ...exportFileKey(name).split('/'));
}

/** True for the name of a temp file this module writes (`.<final name>.<pid>-<random>.tmp`). */
export function isTempFileName(fileName: string): boolean {
  return fileName.startsWith('.') && fileName.endsWith(TEMP_SUFFIX);
}

async function syncDirectory(directory: string): Promise<void> {
  // Makes the rename itself durable. Some platforms cannot open a directory for syncing; the rename is then as
  // durable as that platform makes it.
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // best effort, see above
  } finally {
    await handle?.close();
  }
}

async function removeIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Opens a temp file for an export; bytes are hashed and counted as they stream through. */
export async function openExportFile(exportDir: string, name: ExportFileName): Promise<ExportFileWriter> {
  const finalPath = exportFilePath(exportDir, name);
  const directory = path.dirname(finalPath);
  // Directories created now must be synced too for the new file's path to survive a power loss.
  const firstCreated = await mkdir(directory, { recursive: true, mode: PRIVATE_DIR_MODE });
  const toSync = [directory];
  if (firstCreated !== undefined) {
    for (let d = directory; d !== path.dirname(firstCreated); d = path.dirname(d)) toSync.push(path.dirname(d));
  }
  // The archive directory is always ours; ones made by older versions with a wider mode are tightened here.
  await chmod(directory, PRIVATE_DIR_MODE);
  const tempPath = path.join(
    directory,
    `.${path.basename(finalPath)}.${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );

  // flush: true fsyncs the file before it is closed.
  const stream = createWriteStream(tempPath, { flags: 'wx', flush: true, mode: PRIVATE_FILE_MODE });
  const hash = createHash('sha256');
  let size = 0;
  let failure: Error | null = null;
  let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  stream.on('error', (error) => {
    failure ??= error;
  });
  await once(stream, 'open');

  const drained = async (): Promise<void> => {
    await drainOrClose(stream);
    if (failure) throw failure;
    if (state !== 'open') throw new Error(`export file was ${state} while writing`);
  };

  const closeStream = async (): Promise<void> => {
    if (stream.closed) return;
    const closed = once(stream, 'close').catch(() => undefined);
    stream.destroy();
    await closed;
  };

  return {
    async write(chunk) {
      if (state !== 'open') throw new Error(`export file is ${state}, cannot write`);
      if (failure) throw failure;
      if (stream.destroyed) throw new Error('export file stream was closed');
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (bytes.byteLength === 0) return;
      hash.update(bytes);
      size += bytes.byteLength;
      if (!stream.write(bytes)) await drained();
    },

    async commit() {
      if (state !== 'open') throw new Error(`export file is ${state}, cannot commit`);
      state = 'committing';
      try {
        if (failure) throw failure;
        const finished = once(stream, 'close');
        stream.end();
        await finished;
        if (failure) throw failure;
        await rename(tempPath, finalPath);
        for (const d of toSync) await syncDirectory(d);
      } catch (error) {
        state = 'aborted';
        await closeStream();
        await removeIfPresent(tempPath);
        throw error;
      }
      state = 'committed';
      return { storageLocation: finalPath, fileSize: size, sha256: hash.digest('hex') };
    },

    async abort() {
      if (state === 'committed' || state === 'aborted') return;
      state = 'aborted';
      await closeStream();
      await removeIfPresent(tempPath);
    },
  };
}

/**
 * Removes temp files left by exports that never finished (a crash, a killed worker), when untouched for
 * `olderThanMinutes`; running exports keep touching theirs. Returns how many were removed.
 */
export async function removeStaleTempFiles(exportDir: string, olderThanMinutes: number, now = new Date()): Promise<number> {
  const cutoff = now.getTime() - olderThanMinutes * 60_000;
  let archives;
  try {
    archives = await readdir(exportDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const archive of archives) {
    if (!archive.isDirectory()) continue;
    const directory = path.join(exportDir, archive.name);
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      if (!entry.isFile() || !isTempFileName(entry.name)) continue;
      const file = path.join(directory, entry.name);
      try {
        if ((await stat(file)).mtimeMs >= cutoff) continue;
        await unlink(file);
        removed += 1;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return removed;
}
