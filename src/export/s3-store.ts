import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { exportFileKey, type ExportFileWriter } from './export-store.ts';
import { ExportStoreUnavailableError, type ExportStore, type StoredObject } from './object-store.ts';
import { parseLocation, s3Location } from './store-location.ts';

export interface S3StoreConfig {
  bucket: string;
  /** Prepended to every key, e.g. `chat-archiver/`. */
  prefix: string;
  /** Unset: AWS itself. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Unset: the AWS SDK's default provider chain (environment, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}


/** Multipart parts of 5 MiB (S3's minimum), one in flight while the next fills: an upload holds two parts at most. */
const PART_SIZE = 5 * 1024 * 1024;

export function createS3Client(config: S3StoreConfig): S3Client {
  return new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint
      ? {
          endpoint: config.endpoint,
          // Since client-s3 3.729 the SDK adds CRC32 checksums to every request and validates them on responses;
          // several S3-compatible servers reject or lack them. Only AWS gets the default.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}

/** The `s3` driver: objects of one bucket under a prefix, written by streaming multipart uploads. */
export function createS3Store(config: S3StoreConfig, client: S3Client = createS3Client(config)): ExportStore {
  const { bucket, prefix } = config;
  const root = s3Location(bucket, prefix);
  const objectKeyOf = (location: string): string | undefined => {
    if (!location.startsWith(root)) return undefined;
    const parsed = parseLocation(location, '/');
    return parsed?.scheme === 's3' && parsed.bucket === bucket ? parsed.key : undefined;
  };
  const objectKey = (location: string): string => {
    const key = objectKeyOf(location);
    if (key === undefined) throw new Error(`location ${location} is not in ${root}`);
    return key;
  };

  return {
    driver: 's3',
    description: `bucket ${root}${config.endpoint ? ` at ${config.endpoint}` : ''}`,

    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        throw new ExportStoreUnavailableError(explainS3Failure(error, config));
      }
    },

    async create(name, contentType) {
      const key = `${prefix}${exportFileKey(name)}`;
      return openUpload(client, bucket, key, contentType);
    },

    owns: (location) => objectKeyOf(location) !== undefined,

    async stat(location) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(location) }));
        return { size: head.ContentLength ?? 0 };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async read(location, range) {
      try {
        const answer = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: objectKey(location),
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        const body = answer.Body as Readable | undefined;
        if (!body) return undefined;
        const length = answer.ContentLength ?? 0;
        // Content-Range: bytes start-end/size on a ranged answer.
        const total = /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1];
        const size = total === undefined ? length : Number(total);
        const start = range?.start ?? 0;
        return { body, size, start, end: start + length - 1 };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async delete(location) {
      const key = objectKey(location);
      const present = await client
        .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
        .then(() => true)
        .catch((error: unknown) => {
          if (isMissing(error)) return false;
          throw error;
        });
      if (present) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      return present;
    },

    async *list(): AsyncIterable<StoredObject> {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          if (!object.Key) continue;
          yield {
            location: s3Location(bucket, object.Key),
            key: object.Key.slice(prefix.length),
            size: object.Size ?? 0,
            modifiedAt: object.LastModified ?? new Date(0),
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async removeStaleUploads(before) {
      let removed = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        let page;
        try {
          page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        } catch (error) {
          // Some S3-compatible servers do not list uploads; their unfinished uploads expire by bucket policy.
          if (error instanceof S3ServiceException && (error.name === 'NotImplemented' || error.$metadata.httpStatusCode === 501)) return removed;
          throw error;
        }
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || (upload.Initiated && upload.Initiated >= before)) continue;
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
          removed += 1;
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
      return removed;
    },

    keyOf: (location) => {
      const key = objectKeyOf(location);
      return key?.startsWith(prefix) ? key.slice(prefix.length) : undefined;
    },

    presignedUrl: (location, options) =>
      getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: objectKey(location),
          ResponseContentDisposition: `attachment; filename="${options.fileName}"`,
          ResponseContentType: options.contentType,
        }),
        { expiresIn: options.expiresInSeconds },
      ),
  };
}

/**
 * Streams chunks into a multipart upload as they are written; hashed and counted on the way. Parts are filled in
 * two buffers of PART_SIZE used in turn, one uploading while the other fills, so an upload holds 10 MiB whatever its
 * length and leaves no part garbage behind (lib-storage's Upload concatenates every part anew; with it a worker
 * streaming a 42 MB export peaked 47 MB above the fs driver's, with these buffers 24 MB: test/exports/store-memory).
 * An export smaller than one part is one PutObject.
 */
function openUpload(client: S3Client, bucket: string, key: string, contentType: string): ExportFileWriter {
  const buffers: Buffer[] = [];
  let current = 0;
  let filled = 0;
  const parts: Array<{ ETag: string; PartNumber: number }> = [];
  let uploadId: string | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const hash = createHash('sha256');
  let size = 0;
  let failure: Error | null = null;
  let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';

  // allocUnsafe: pages are touched (resident) only as they are written.
  const buffer = (index: number): Buffer => (buffers[index] ??= Buffer.allocUnsafe(PART_SIZE));

  /** Uploads the current buffer's bytes as the next part, after the part before it is done (its buffer is next). */
  const sendPart = async (): Promise<void> => {
    await inFlight;
    if (failure) throw failure;
    uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }))).UploadId;
    if (!uploadId) throw new Error(`the bucket started no multipart upload for ${key}`);
    const partNumber = parts.length + 1;
    const body = buffer(current).subarray(0, filled);
    const id = uploadId;
    inFlight = client
      .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: partNumber, Body: body, ContentLength: body.length }))
      .then((answer) => {
        if (!answer.ETag) throw new Error(`the bucket returned no ETag for part ${partNumber} of ${key}`);
        parts.push({ ETag: answer.ETag, PartNumber: partNumber });
      })
      .catch((error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
      });
    current = 1 - current;
    filled = 0;
  };

  const abortUpload = async (): Promise<void> => {
    await inFlight.catch(() => {});
    if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {});
  };

  return {
    async write(chunk) {
      if (state !== 'open') throw new Error(`export file is ${state}, cannot write`);
      if (failure) throw failure;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (bytes.byteLength === 0) return;
      hash.update(bytes);
      size += bytes.byteLength;
      let offset = 0;
      while (offset < bytes.byteLength) {
        const taken = Math.min(PART_SIZE - filled, bytes.byteLength - offset);
        buffer(current).set(bytes.subarray(offset, offset + taken), filled);
        filled += taken;
        offset += taken;
        if (filled === PART_SIZE) await sendPart();
      }
    },

    async commit() {
      if (state !== 'open') throw new Error(`export file is ${state}, cannot commit`);
      state = 'committing';
      try {
        if (failure) throw failure;
        if (uploadId === undefined && parts.length === 0 && filled < PART_SIZE) {
          const body = buffer(current).subarray(0, filled);
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }));
        } else {
          if (filled > 0) await sendPart();
          await inFlight;
          if (failure) throw failure;
          await client.send(
            new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [...parts].sort((a, b) => a.PartNumber - b.PartNumber) } }),
          );
        }
      } catch (error) {
        state = 'aborted';
        await abortUpload();
        throw error;
      }
      state = 'committed';
      return { storageLocation: s3Location(bucket, key), fileSize: size, sha256: hash.digest('hex') };
    },

    async abort() {
      if (state === 'committed' || state === 'aborted') return;
      state = 'aborted';
      await abortUpload();
    },
  };
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)
  );
}

/** One line saying what is wrong with the bucket settings, never a stack. */
export function explainS3Failure(error: unknown, config: S3StoreConfig): string {
  const where = `bucket "${config.bucket}"${config.endpoint ? ` at ${config.endpoint}` : ` in ${config.region}`}`;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (status === 404 || error.name === 'NotFound' || error.name === 'NoSuchBucket') {
      return `EXPORT_S3_BUCKET: ${where} does not exist`;
    }
    if (status === 403 || status === 401 || /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|Forbidden/.test(error.name)) {
      return `EXPORT_S3_*: the credentials were refused for ${where} (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance role)`;
    }
    return `EXPORT_S3_*: ${where} answered ${status ?? ''} ${error.name}`.replace(/\s+/g, ' ').trim();
  }
  const name = (error as { name?: string }).name ?? '';
  const message = (error as { message?: string }).message ?? String(error);
  if (name === 'CredentialsProviderError') {
    return `EXPORT_S3_*: no AWS credentials found for ${where} (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or an instance role)`;
  }
  const code = (error as { code?: string }).code;
  return `EXPORT_S3_ENDPOINT: cannot reach ${where}: ${code ?? (message.split('\n', 1)[0] || 'no answer')}`;
}
