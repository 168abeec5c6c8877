import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ExportFileWriter } from './export-store.ts';
import { s3Location } from './store-location.ts';

/** Multipart parts of 5 MiB, S3's minimum for every part but the last. */
export const PART_SIZE = 5 * 1024 * 1024;
/** What is taken in while a part uploads; once it is full, writes wait for the upload. */
export const STAGING_SIZE = 1024 * 1024;

interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
}

/**
 * Streams chunks into a multipart upload as they are written; hashed and counted on the way. One part buffer of
 * PART_SIZE fills; while it uploads, writes go on into a staging buffer of STAGING_SIZE that moves into the part
 * buffer once the upload is done. An upload therefore holds 6 MiB whatever its length, touches each page only as it
 * is written and leaves no part garbage behind. (Two part buffers used in turn held 10 MiB; lib-storage's Upload,
 * which concatenates every part anew, made a worker streaming a 42 MB export peak 47 MB above the fs driver's:
 * test/exports/store-memory.) An export smaller than one part is one PutObject.
 */
export function openMultipartUpload(target: UploadTarget): ExportFileWriter {
  const parts = createPartSender(target);
  // Allocated on first use, and unsafe: pages become resident only as they are written.
  let partBuffer: Buffer | undefined;
  let stagingBuffer: Buffer | undefined;
  const part = (): Buffer => (partBuffer ??= Buffer.allocUnsafe(PART_SIZE));
  const staging = (): Buffer => (stagingBuffer ??= Buffer.allocUnsafe(STAGING_SIZE));
  let filled = 0;
  let staged = 0;
  const hash = createHash('sha256');
  let size = 0;
  let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';

  /** Moves what was staged during the last upload into the part buffer, which is free again. */
  const unstage = (): void => {
    if (staged > 0) staging().copy(part(), filled, 0, staged);
    filled += staged;
    staged = 0;
  };

  /** Takes bytes into the part buffer (or the staging buffer while the part uploads); answers how many it took. */
  const take = async (bytes: Uint8Array): Promise<number> => {
    if (parts.busy()) {
      const taken = Math.min(STAGING_SIZE - staged, bytes.byteLength);
      staging().set(bytes.subarray(0, taken), staged);
      staged += taken;
      if (staged === STAGING_SIZE) await parts.settled();
      return taken;
    }
    unstage();
    const taken = Math.min(PART_SIZE - filled, bytes.byteLength);
    part().set(bytes.subarray(0, taken), filled);
    filled += taken;
    if (filled === PART_SIZE) {
      await parts.send(part());
      filled = 0;
    }
    return taken;
  };

  return {
    async write(chunk) {
      if (state !== 'open') throw new Error(`export file is ${state}, cannot write`);
      parts.throwIfFailed();
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      hash.update(bytes);
      size += bytes.byteLength;
      for (let offset = 0; offset < bytes.byteLength; ) offset += await take(bytes.subarray(offset));
    },

    async commit() {
      if (state !== 'open') throw new Error(`export file is ${state}, cannot commit`);
      state = 'committing';
      try {
        if (!parts.started()) {
          await parts.putWhole(part().subarray(0, filled));
        } else {
          await parts.settled();
          unstage();
          if (filled > 0) await parts.send(part().subarray(0, filled));
          await parts.complete();
        }
      } catch (error) {
        state = 'aborted';
        await parts.abort();
        throw error;
      }
      state = 'committed';
      return { storageLocation: s3Location(target.bucket, target.key), fileSize: size, sha256: hash.digest('hex') };
    },

    async abort() {
      if (state === 'committed' || state === 'aborted') return;
      state = 'aborted';
      await parts.abort();
    },
  };
}

/** The requests of one multipart upload: one part in flight at a time, its buffer busy until the answer. */
function createPartSender({ client, bucket, key, contentType }: UploadTarget) {
  const sent: Array<{ ETag: string; PartNumber: number }> = [];
  let uploadId: string | undefined;
  let inFlight: Promise<void> | undefined;
  let failure: Error | null = null;

  const throwIfFailed = (): void => {
    if (failure) throw failure;
  };
  const settled = async (): Promise<void> => {
    await inFlight;
    throwIfFailed();
  };

  return {
    busy: () => inFlight !== undefined,
    started: () => uploadId !== undefined,
    throwIfFailed,
    settled,

    /** Starts uploading `body` as the next part; the bytes must stay untouched until `busy()` is false. */
    async send(body: Buffer): Promise<void> {
      await settled();
      uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }))).UploadId;
      if (!uploadId) throw new Error(`the bucket started no multipart upload for ${key}`);
      const partNumber = sent.length + 1;
      inFlight = client
        .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }))
        .then((answer) => {
          if (!answer.ETag) throw new Error(`the bucket returned no ETag for part ${partNumber} of ${key}`);
          sent.push({ ETag: answer.ETag, PartNumber: partNumber });
        })
        .catch((error: unknown) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => {
          inFlight = undefined;
        });
    },

    async complete(): Promise<void> {
      await settled();
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: sent } }));
    },

    async putWhole(body: Buffer): Promise<void> {
      throwIfFailed();
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }));
    },

    async abort(): Promise<void> {
      await inFlight;
      if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {});
    },
  };
}
