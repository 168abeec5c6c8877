import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { TokenCounter } from '../analysis/tokens.ts';
import type { Config } from '../config.ts';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { EXTENSIONS } from '../export/export-store.ts';
import { startThreadRenderer } from '../export/export-writer.ts';
import type { ChunkSink, ExportFileResult, ExportFormat } from '../export/export-types.ts';
import type { ExportStore } from '../export/object-store.ts';
import { openZipBundle, type ZipBundle } from '../export/zip-bundle.ts';
import { bundleArchive, bundleItems, recordBundle, type BundleArchiveRow, type BundleItemRow } from '../sql/bundles.ts';
import { DEFAULT_PAGE_BYTES, DEFAULT_PAGE_SIZE } from '../sql/threads.ts';
import type { ExportArchiveOutput, ExportArchivePayload } from './export-archive.ts';
import { PermanentJobError } from './job-failure.ts';
import type { JobContext, JobHandler } from './job-handler.ts';
import { deleteReplacedExports } from './replaced-exports.ts';
import { passOverThread } from './thread-pass.ts';

export const BUNDLE_MANIFEST_FORMAT = 'chat-archiver/bundle-v1';
export const BUNDLE_MANIFEST_PATH = 'manifest.json';

export interface ExportArchiveDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'exportDir' | 'tokenEncoding' | 'summaryMaxChars'>;
  store: ExportStore;
  loadTokenCounter(encoding: Config['tokenEncoding']): Promise<TokenCounter>;
  pageSize?: number;
}

/** One file of the bundle, as the manifest lists it. */
export interface BundleFile {
  path: string;
  archiveItemId: string;
  itemId: string;
  itemType: string;
  title: string | null;
  format: ExportFormat;
  size: number;
  sha256: string;
  /** `archived`: the export stored when the item was archived; `rendered`: rendered now from the thread. */
  source: 'archived' | 'rendered';
}

export interface BundleSkip {
  archiveItemId: string;
  itemId: string;
  itemType: string;
  title: string | null;
  reason: 'thread_not_found' | 'no_export_in_format';
}

// The item's export as the worker recorded it; app-added items have none.
const storedExport = z.object({ format: z.string(), storageLocation: z.string().min(1), sha256: z.string().optional() });
const itemMetadata = z.object({ export: storedExport.optional() }).loose();

/**
 * The `export-archive` job: one ZIP of every item of the archive in one format, plus `manifest.json`. Each item is
 * streamed into the ZIP (its archived export in that format when there is one, else the thread rendered now), and
 * the ZIP streams into the store, so memory stays bounded whatever the archive's size. The object is written under
 * the job's own key and named by its row only once committed; a retry rewrites the same key.
 */
export function createExportArchiveHandler(deps: ExportArchiveDeps): JobHandler<ExportArchivePayload, ExportArchiveOutput> {
  return async (payload, context) => {
    const userId = payload.requestedBy;
    const found = await actingAs(deps.db, { userId }, async (trx) => {
      const archive = await bundleArchive(trx, userId, payload.archiveId);
      return archive && { archive, items: await bundleItems(trx, archive.id) };
    });
    if (!found) throw new PermanentJobError('archive_not_found', `archive ${payload.archiveId} does not exist or does not belong to user ${userId}`);

    const file = await deps.store.create({ archiveId: found.archive.id, threadId: 'bundle', jobId: context.jobId, format: 'zip' }, 'application/zip');
    const zip = openZipBundle(file);
    let written: ExportFileResult;
    let manifest: { files: BundleFile[]; skipped: BundleSkip[] };
    try {
      manifest = await writeBundle(deps, payload, context, found, zip);
      written = await file.commit();
    } catch (error) {
      zip.abort();
      await file.abort();
      throw error;
    }
    context.signal.throwIfAborted();

    const recorded = await actingAs(deps.db, { userId }, (trx) =>
      recordBundle(trx, {
        archiveId: found.archive.id,
        format: payload.format,
        userId,
        jobId: context.jobId,
        storageLocation: written.storageLocation,
        fileSize: written.fileSize,
        sha256: written.sha256,
        fileCount: manifest.files.length,
      }),
    );
    if (!recorded.recorded) {
      await deps.store.delete(written.storageLocation).catch(() => false);
      throw new PermanentJobError('archive_not_found', `archive ${payload.archiveId} was deleted while it was being exported`);
    }
    if (recorded.replaced) {
      await deleteReplacedExports(deps.db, deps.store, deps.config.exportDir, [recorded.replaced], written.storageLocation).catch((error: unknown) =>
        context.log.warn({ err: error }, 'could not delete the replaced bundle; the export GC will'),
      );
    }
    context.log.debug({ files: manifest.files.length, skipped: manifest.skipped.length, fileSize: written.fileSize }, 'archive bundled');
    return {
      archiveId: found.archive.id,
      format: payload.format,
      exportFormat: 'zip',
      storageLocation: written.storageLocation,
      fileSize: written.fileSize,
      sha256: written.sha256,
      fileCount: manifest.files.length,
      skippedCount: manifest.skipped.length,
    };
  };
}

async function writeBundle(
  deps: ExportArchiveDeps,
  payload: ExportArchivePayload,
  context: JobContext,
  found: { archive: BundleArchiveRow; items: BundleItemRow[] },
  zip: ZipBundle,
): Promise<{ files: BundleFile[]; skipped: BundleSkip[] }> {
  const createdAt = new Date();
  const files: BundleFile[] = [];
  const skipped: BundleSkip[] = [];
  let counter: TokenCounter | undefined;
  const digits = String(found.items.length).length;
  for (const [index, item] of found.items.entries()) {
    context.signal.throwIfAborted();
    const path = `items/${String(index + 1).padStart(digits, '0')}-${item.itemType}-${item.itemId}.${EXTENSIONS[payload.format]}`;
    const entryOptions = { mtime: createdAt, compress: payload.format !== 'pdf' };
    const described = { archiveItemId: item.archiveItemId, itemId: item.itemId, itemType: item.itemType, title: item.title };
    const archived = await archivedExport(deps.store, item, payload.format);
    if (archived) {
      const entry = await zip.addEntry(path, entryOptions, (sink) => copyInto(archived.body, sink));
      if (archived.sha256 && archived.sha256 !== entry.sha256) {
        throw new PermanentJobError('export_corrupt', `the stored export of item ${item.archiveItemId} does not match its recorded sha256`);
      }
      files.push({ path, ...described, format: payload.format, ...entry, source: 'archived' });
      continue;
    }
    if (item.itemType !== 'thread') {
      skipped.push({ ...described, reason: 'no_export_in_format' });
      continue;
    }
    if (!item.threadLive) {
      skipped.push({ ...described, reason: 'thread_not_found' });
      continue;
    }
    counter ??= await deps.loadTokenCounter(deps.config.tokenEncoding);
    const tokens = counter;
    const entry = await zip.addEntry(path, entryOptions, async (sink) => {
      const header = {
        archiveId: found.archive.id,
        archiveName: found.archive.name,
        archiveDescription: found.archive.description,
        threadId: item.itemId,
        threadTitle: item.title ?? '',
        userId: payload.requestedBy,
        exportedAt: createdAt,
        encoding: 'utf-8',
      };
      const renderer = await startThreadRenderer(payload.format, header, sink);
      const pass = await passOverThread(
        {
          db: deps.db,
          threadId: item.itemId,
          paging: { rows: deps.pageSize ?? DEFAULT_PAGE_SIZE, bytes: DEFAULT_PAGE_BYTES },
          counter: tokens,
          summaryMaxChars: deps.config.summaryMaxChars,
          signal: context.signal,
        },
        (message) => renderer.addMessage(message),
      );
      await renderer.finish({ messageCount: pass.messageCount, tokensTotal: pass.tokensCount, summary: pass.summary, analysis: pass.analysis });
    });
    files.push({ path, ...described, format: payload.format, ...entry, source: 'rendered' });
  }

  const manifest = {
    format: BUNDLE_MANIFEST_FORMAT,
    createdAt: createdAt.toISOString(),
    exportFormat: payload.format,
    archive: {
      id: found.archive.id,
      name: found.archive.name,
      description: found.archive.description,
      createdAt: found.archive.createdAt.toISOString(),
      updatedAt: found.archive.updatedAt.toISOString(),
      itemCount: found.items.length,
    },
    files,
    skipped,
  };
  zip.addBuffer(BUNDLE_MANIFEST_PATH, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'), createdAt);
  await zip.finish();
  return { files, skipped };
}

/** The item's stored export when it is in `format` and still in the store. */
async function archivedExport(store: ExportStore, item: BundleItemRow, format: ExportFormat) {
  const metadata = itemMetadata.safeParse(item.metadata);
  const stored = metadata.success ? metadata.data.export : undefined;
  if (!stored || stored.format !== format || !store.owns(stored.storageLocation)) return undefined;
  const read = await store.read(stored.storageLocation);
  return read && { body: read.body, sha256: stored.sha256 };
}

async function copyInto(body: AsyncIterable<unknown>, sink: ChunkSink): Promise<void> {
  for await (const chunk of body) await sink.write(chunk as Buffer);
}
