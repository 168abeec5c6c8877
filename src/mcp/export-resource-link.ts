import type { ResourceLink } from '@modelcontextprotocol/sdk/types.js';

const MIME_TYPES: Record<string, string> = { json: 'application/json', markdown: 'text/markdown', pdf: 'application/pdf', zip: 'application/zip' };

export function exportMimeType(format: string): string {
  return MIME_TYPES[format] ?? 'application/octet-stream';
}

/** A `resource_link` to `archive://{id}/export` when the archive has an export, so clients can offer the file. */
export function exportResourceLinks(archive: {
  archiveId: string;
  exportFormat: string | null;
  exportLocation: string | null;
  fileSize: number | null;
}): ResourceLink[] {
  if (!archive.exportFormat || !archive.exportLocation) return [];
  return [
    {
      type: 'resource_link',
      uri: `archive://${archive.archiveId}/export`,
      name: archive.exportLocation.split('/').at(-1) ?? 'export',
      mimeType: exportMimeType(archive.exportFormat),
      ...(archive.fileSize !== null ? { size: archive.fileSize } : {}),
    },
  ];
}
