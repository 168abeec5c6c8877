import type { Config } from '../config.ts';
import { createFsStore } from './fs-store.ts';
import type { ExportStore, StoredObject } from './object-store.ts';

/**
 * The store EXPORT_STORE names. With `s3`, files that rows written before the switch name (under EXPORT_DIR) are
 * still read, listed and deleted through the `fs` driver, so old archives keep working. The AWS SDK (about 20 MB of
 * memory) is loaded only for `s3`.
 */
export async function openExportStore(config: Pick<Config, 'exportDir' | 'exportStore'>): Promise<ExportStore> {
  const files = createFsStore(config.exportDir);
  const s3 = config.exportStore.s3;
  if (config.exportStore.driver === 'fs' || !s3) return files;
  const { createS3Store } = await import('./s3-store.ts');
  return withLegacyFiles(createS3Store(s3), files);
}

function withLegacyFiles(primary: ExportStore, files: ExportStore): ExportStore {
  const of = (location: string): ExportStore => (files.owns(location) ? files : primary);
  return {
    driver: primary.driver,
    description: primary.description,
    check: () => primary.check(),
    create: (name, contentType) => primary.create(name, contentType),
    owns: (location) => primary.owns(location) || files.owns(location),
    stat: (location) => of(location).stat(location),
    read: (location, range) => of(location).read(location, range),
    delete: (location) => of(location).delete(location),
    async *list(): AsyncIterable<StoredObject> {
      yield* primary.list();
      yield* files.list();
    },
    async removeStaleUploads(before) {
      return (await primary.removeStaleUploads(before)) + (await files.removeStaleUploads(before));
    },
    keyOf: (location) => of(location).keyOf(location),
    presignedUrl: (location, options) => of(location).presignedUrl(location, options),
  };
}
