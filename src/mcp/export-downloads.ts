import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { Router, type Response } from 'express';
import { EXPORTS_PATH, locationDigest } from '../export/download-links.ts';
import { EXTENSIONS } from '../export/export-store.ts';
import { appendAuditRow } from '../sql/audit.ts';
import { downloadableExports, type DownloadableExport } from '../sql/exports.ts';
import { archiveExportKey } from './export-access.ts';
import { exportMimeType } from './export-resource-link.ts';
import type { McpDependencies } from './mcp-dependencies.ts';

/** How long a presigned URL of the bucket lives: only the redirect's hop, not the link's whole validity. */
const PRESIGNED_SECONDS = 300;
const FILE_NAME_MAX = 80;
/** The audit trail's name for a download through a link; the user is null when the link was refused. */
export const DOWNLOAD_OPERATION = 'download:export';

/**
 * `GET /exports/<signed link>`: streams the export a download link names, from whichever store holds it, as an
 * attachment. The link is the credential: a tampered, expired or foreign link gets 403 and an audit row, and no
 * answer says anything about the archive beyond the file a valid link names.
 */
export function createExportDownloads(deps: Pick<McpDependencies, 'db' | 'log' | 'store' | 'links' | 'downloads'>, allowedHosts: string[]): Router {
  const router = Router();
  router.get(`${EXPORTS_PATH}/:token`, hostHeaderValidation(allowedHosts), async (req, res) => {
    const started = performance.now();
    const audit = (userId: string | null, outcome: string, detail: Record<string, unknown>) =>
      appendAuditRow(deps.db, {
        operation: DOWNLOAD_OPERATION,
        user_id: userId,
        transport: 'http',
        outcome,
        duration_ms: Math.round(performance.now() - started),
        detail: JSON.stringify(detail),
      }).catch((error: unknown) =>
        deps.log.error({ err: error }, 'could not append to the audit log'),
      );
    try {
      const check = deps.links?.check(String(req.params.token));
      if (!check?.ok) {
        const reason = check?.reason ?? 'links_disabled';
        deps.log.warn({ reason, ip: req.ip }, 'download link refused');
        await audit(null, 'denied', { reason });
        return void res.status(403).type('text/plain').send('This download link is not valid or has expired.\n');
      }
      const found = (await downloadableExports(deps.db, check.archiveId)).find((e) => locationDigest(e.location) === check.locationDigest);
      if (!found || !deps.store.owns(found.location) || archiveExportKey(deps.store, check.archiveId, found.location) === undefined) {
        await audit(found?.userId ?? null, 'not_found', { archiveId: check.archiveId });
        return void res.status(404).type('text/plain').send('This export is no longer available.\n');
      }
      const served = await serve(deps, found, req.headers.range, res);
      await audit(found.userId, served === 'missing' ? 'not_found' : 'ok', { archiveId: check.archiveId, answer: served });
    } catch (error) {
      deps.log.error({ err: error }, 'download failed');
      await audit(null, 'error', {});
      if (!res.headersSent) res.status(500).type('text/plain').send('The download failed on the server; try again later.\n');
      else res.destroy();
    }
  });
  return router;
}

async function serve(
  deps: Pick<McpDependencies, 'store' | 'downloads'>,
  file: DownloadableExport,
  rangeHeader: string | undefined,
  res: Response,
): Promise<'full' | 'partial' | 'redirect' | 'unsatisfiable' | 'missing'> {
  const fileName = safeFileName(file.title, file.format);
  const contentType = exportMimeType(file.format);
  if (deps.downloads === 'presigned') {
    const url = await deps.store.presignedUrl(file.location, { expiresInSeconds: PRESIGNED_SECONDS, fileName, contentType });
    if (url) {
      res.redirect(302, url);
      return 'redirect';
    }
  }
  const info = await deps.store.stat(file.location);
  if (!info) {
    res.status(404).type('text/plain').send('This export is no longer available.\n');
    return 'missing';
  }
  const range = parseRange(rangeHeader, info.size);
  if (range === 'unsatisfiable') {
    res.status(416).set('Content-Range', `bytes */${info.size}`).end();
    return 'unsatisfiable';
  }
  const read = await deps.store.read(file.location, range ?? undefined);
  if (!read) {
    res.status(404).type('text/plain').send('This export is no longer available.\n');
    return 'missing';
  }
  res.status(range ? 206 : 200);
  res.set({
    'Content-Type': contentType,
    'Content-Disposition': `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
    'Content-Length': String(read.end - read.start + 1),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(file.sha256 ? { ETag: `"${file.sha256}"` } : {}),
    ...(range ? { 'Content-Range': `bytes ${read.start}-${read.end}/${read.size}` } : {}),
  });
  await pipeline(read.body, res);
  return range ? 'partial' : 'full';
}

/**
 * One byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) clipped to the file; null for none or for what this server
 * answers with the whole file (several ranges, other units, malformed headers).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** A file name safe in any header and on any disk: ASCII letters, digits, spaces, dots, dashes; the format's extension. */
export function safeFileName(title: string, format: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9 ._-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[ .-]+|[ .]+$/g, '')
    .slice(0, FILE_NAME_MAX)
    .trim();
  const extension = EXTENSIONS[format as keyof typeof EXTENSIONS] ?? 'bin';
  return `${base || 'export'}.${extension}`;
}
