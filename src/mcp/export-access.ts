import type { McpDependencies } from './mcp-dependencies.ts';

/** How an agent or a person reaches a stored export: its store-relative location and a signed download link. */
export interface ExportAccess {
  /** The object's key inside the export store: never a server path or a bucket address. */
  exportLocation: string | null;
  downloadUrl: string | null;
  downloadExpiresAt: string | null;
}

export function exportAccess(deps: Pick<McpDependencies, 'store' | 'links'>, archiveId: string, location: string | null): ExportAccess {
  if (!location) return { exportLocation: null, downloadUrl: null, downloadExpiresAt: null };
  const exportLocation = deps.store.keyOf(location) ?? null;
  if (!deps.links || exportLocation === null) return { exportLocation, downloadUrl: null, downloadExpiresAt: null };
  const link = deps.links.sign({ archiveId, location });
  return { exportLocation, downloadUrl: link.url, downloadExpiresAt: link.expiresAt.toISOString() };
}
