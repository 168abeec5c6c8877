import type { Readable } from 'node:stream';
import type { ExportFileName, ExportFileWriter } from './export-store.ts';

/** One object found in a store (by the garbage collection's listing). */
export interface StoredObject {
  /** Its storage location: the URI a database row would hold. */
  location: string;
  /** Store-relative key, `<archiveId>/<file>`. */
  key: string;
  size: number;
  modifiedAt: Date;
}

/** Bytes `start`..`end` (inclusive) of an object of `size` bytes. */
export interface ObjectRead {
  body: Readable;
  size: number;
  start: number;
  end: number;
}

/** Raised when a store cannot be used as configured; its message is one line naming the setting. */
export class ExportStoreUnavailableError extends Error {
  override readonly name = 'ExportStoreUnavailableError';
}

export interface PresignOptions {
  expiresInSeconds: number;
  fileName: string;
  contentType: string;
}

/**
 * Where export files live: a directory (`fs`) or an S3-compatible bucket (`s3`). Objects are written under a
 * key, appear only when committed whole, and are named everywhere else by their location (`file:///…`,
 * `s3://bucket/key`), which is what `archive.storage_location` holds.
 */
export interface ExportStore {
  readonly driver: 'fs' | 's3';
  /** Where the store is, for logs and start-up lines (no credentials). */
  readonly description: string;
  /** Verifies at start that the store is usable (directory writable; bucket reachable with valid credentials). */
  check(): Promise<void>;
  /** Starts writing an object; it becomes visible under its key only on `commit`. */
  create(name: ExportFileName, contentType: string): Promise<ExportFileWriter>;
  /** True when this store can serve the location (its scheme and root). */
  owns(location: string): boolean;
  /** The object's size, or undefined when it is not there. */
  stat(location: string): Promise<{ size: number } | undefined>;
  /** Streams the object, or a byte range of it; undefined when it is not there. */
  read(location: string, range?: { start: number; end: number }): Promise<ObjectRead | undefined>;
  /** Deletes the object; false when it was already gone. */
  delete(location: string): Promise<boolean>;
  /** Every committed object of the store. */
  list(): AsyncIterable<StoredObject>;
  /** Removes what unfinished writes left behind (temp files, multipart uploads) older than `before`. */
  removeStaleUploads(before: Date): Promise<number>;
  /** The store-relative key of a location it owns (what agents are shown), else undefined. */
  keyOf(location: string): string | undefined;
  /** A short-lived URL of the object straight from the store; undefined when the store cannot make one. */
  presignedUrl(location: string, options: PresignOptions): Promise<string | undefined>;
}
