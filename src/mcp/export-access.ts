import type { ExportStore } from '../export/object-store.ts';
import { isKeyOfArchive } from '../export/store-location.ts';
import type { McpDependencies } from './mcp-dependencies.ts';

/** How an agent or a person reaches a stored export: its store-relative location and a signed download link. */
export interface ExportAccess {
  /** The object's key inside the export store: never a server path or a bucket address. */
  exportLocation: string | null;
  downloadUrl: string | null;
  downloadExpiresAt: string | null;
}

/**
 * The store key of an archive's export when the store serves it and it lies in that archive's own folder; undefined
 * for a location outside the store, or one a tampered row points at another archive's export.
 */
export function archiveExportKey(store: Pick<ExportStore, 'keyOf'>, archiveId: string, location: string): string | undefined {
  const key = store.keyOf(location);
  return key !== undefined && isKeyOfArchive(key, archiveId) ? key : undefined;
}

export function exportAccess(deps: Pick<McpDependencies, 'store' | 'links'>, archiveId: string, location: string | null): ExportAccess {
  if (!location) return { exportLocation: null, downloadUrl: null, downloadExpiresAt: null };
  const exportLocation = archiveExportKey(deps.store, archiveId, location) ?? null;
  if (!deps.links || exportLocation === null) return { exportLocation, downloadUrl: null, downloadExpiresAt: null };
  const link = deps.links.sign({ archiveId, location });
  return { exportLocation, downloadUrl: link.url, downloadExpiresAt: link.expiresAt.toISOString() };
}
