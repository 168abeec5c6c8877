import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A storage location taken apart: a file on this machine, or an object of an S3 bucket. */
export type ParsedLocation = { scheme: 'file'; path: string } | { scheme: 's3'; bucket: string; key: string };

/**
 * Reads `archive.storage_location`: `s3://bucket/key`, `file:///abs/path`, and the forms rows written before the
 * store existed hold (an absolute path, or a path relative to the export directory).
 */
export function parseLocation(location: string, exportDir: string): ParsedLocation | undefined {
  if (location.startsWith('s3://')) {
    const rest = location.slice('s3://'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) return undefined;
    return { scheme: 's3', bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
  }
  if (location.startsWith('file:')) {
    try {
      return { scheme: 'file', path: fileURLToPath(location) };
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) return undefined;
  return { scheme: 'file', path: path.resolve(exportDir, location) };
}

export function s3Location(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** One spelling per object: legacy paths become `file://` URIs, so rows and listings compare equal. */
export function normalizeLocation(location: string, exportDir: string): string | undefined {
  const parsed = parseLocation(location, exportDir);
  if (!parsed) return undefined;
  return parsed.scheme === 's3' ? s3Location(parsed.bucket, parsed.key) : pathToFileURL(parsed.path).href;
}

export function sameLocation(a: string, b: string, exportDir: string): boolean {
  const na = normalizeLocation(a, exportDir);
  return na !== undefined && na === normalizeLocation(b, exportDir);
}

/**
 * True when a store key names a file in the archive's own folder (`<archiveId>/<file>`, as exportFileKey writes it):
 * a row of one archive pointing at another archive's export (another user's, or the same user's) is not served.
 */
export function isKeyOfArchive(key: string, archiveId: string): boolean {
  const [folder, file, ...deeper] = key.split('/');
  return folder === archiveId && file !== undefined && file !== '' && file !== '.' && file !== '..' && deeper.length === 0;
}
