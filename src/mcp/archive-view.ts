import type { ExportStore } from '../export/object-store.ts';
import type { ArchiveItemView, ArchiveSummaryView, ArchiveView } from '../sql/archives.ts';
import { fencedRecordOrNull } from './fenced-json.ts';
import type { Fence } from './untrusted-content.ts';

/** An archive's own fields as tools and resources return them: its name, description and metadata fenced. */
export function fencedArchiveSummary<T extends ArchiveSummaryView>(archive: T, fence: Fence): T {
  return {
    ...archive,
    name: fence.wrap(archive.name),
    description: fence.wrapOrNull(archive.description),
    mcpMetadata: fencedRecordOrNull(archive.mcpMetadata, fence),
  };
}

/** An archive as tools and resources return it: every chat-derived string fenced, no server path. */
export function fencedArchiveView(archive: ArchiveView, fence: Fence, store: Pick<ExportStore, 'keyOf'>): ArchiveView {
  return {
    ...fencedArchiveSummary(archive, fence),
    items: archive.items.map((item) => ({
      ...item,
      threadTitle: fence.wrapOrNull(item.threadTitle),
      itemType: fence.wrap(item.itemType),
      summary: fence.wrapOrNull(item.summary),
      analysis: fencedRecordOrNull(item.analysis, fence),
      metadata: fencedRecordOrNull(withStoreKey(item.metadata, store), fence),
    })),
  };
}

/**
 * Item metadata records where the worker wrote the export (`export.storageLocation`, a file URI or bucket address):
 * agents see the key inside the export store instead, as everywhere else.
 */
function withStoreKey(metadata: ArchiveItemView['metadata'], store: Pick<ExportStore, 'keyOf'>): ArchiveItemView['metadata'] {
  const exported = metadata?.export;
  if (!metadata || exported === null || typeof exported !== 'object' || Array.isArray(exported)) return metadata;
  const { storageLocation, ...rest } = exported as Record<string, unknown>;
  if (typeof storageLocation !== 'string') return metadata;
  return { ...metadata, export: { ...rest, storageLocation: store.keyOf(storageLocation) ?? null } };
}
