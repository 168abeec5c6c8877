import { constants, createReadStream } from 'node:fs';
import { access, mkdir, readdir, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTempFileName, openExportFile, PRIVATE_DIR_MODE, removeStaleTempFiles, type ExportFileWriter } from './export-store.ts';
import { ExportStoreUnavailableError, type ExportStore, type StoredObject } from './object-store.ts';
import { parseLocation } from './store-location.ts';

/**
 * The `fs` driver: atomic, fsynced files under the export directory (see export-store.ts). Locations are
 * `file://` URIs; reads are confined to the directory (symlinks resolved), so a tampered location can never make
 * the server read another file.
 */
export function createFsStore(exportDir: string): ExportStore {
  const root = path.resolve(exportDir);

  /** The file a location names, only when it lies inside the export directory. */
  const fileOf = (location: string): string | undefined => {
    const parsed = parseLocation(location, root);
    if (parsed?.scheme !== 'file') return undefined;
    return parsed.path.startsWith(root + path.sep) ? parsed.path : undefined;
  };
  const confined = async (location: string): Promise<string | undefined> => {
    const file = fileOf(location);
    if (!file) return undefined;
    try {
      const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
      return realFile.startsWith(realRoot + path.sep) ? realFile : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    driver: 'fs',
    description: `directory ${root}`,

    async check() {
      try {
        await mkdir(root, { recursive: true, mode: PRIVATE_DIR_MODE });
        await access(root, constants.W_OK);
      } catch (error) {
        throw new ExportStoreUnavailableError(`EXPORT_DIR: ${root} is not a writable directory (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    },

    async create(name): Promise<ExportFileWriter> {
      const file = await openExportFile(root, name);
      return {
        write: (chunk) => file.write(chunk),
        abort: () => file.abort(),
        async commit() {
          const result = await file.commit();
          return { ...result, storageLocation: pathToFileURL(result.storageLocation).href };
        },
      };
    },

    owns: (location) => fileOf(location) !== undefined,

    async stat(location) {
      const file = await confined(location);
      const info = file ? await stat(file).catch(() => undefined) : undefined;
      return info?.isFile() ? { size: info.size } : undefined;
    },

    async read(location, range) {
      const file = await confined(location);
      const info = file ? await stat(file).catch(() => undefined) : undefined;
      if (!file || !info?.isFile()) return undefined;
      const start = range?.start ?? 0;
      const end = range?.end ?? info.size - 1;
      return { body: createReadStream(file, { start, end: Math.max(end, start - 1) }), size: info.size, start, end };
    },

    async delete(location) {
      const file = fileOf(location);
      if (!file) return false;
      try {
        await unlink(file);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },

    async *list(): AsyncIterable<StoredObject> {
      let archives;
      try {
        archives = await readdir(root, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const archive of archives) {
        if (!archive.isDirectory()) continue;
        const directory = path.join(root, archive.name);
        for (const entry of await readdir(directory, { withFileTypes: true }).catch(() => [])) {
          if (!entry.isFile() || isTempFileName(entry.name)) continue;
          const file = path.join(directory, entry.name);
          const info = await stat(file).catch(() => undefined);
          if (!info) continue;
          yield { location: pathToFileURL(file).href, key: `${archive.name}/${entry.name}`, size: info.size, modifiedAt: info.mtime };
        }
      }
    },

    removeStaleUploads: (before) => removeStaleTempFiles(root, 0, before),

    presignedUrl: async () => undefined,

    keyOf(location) {
      const file = fileOf(location);
      return file ? path.relative(root, file).split(path.sep).join('/') : undefined;
    },
  };
}
