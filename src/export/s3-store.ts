import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { exportFileKey } from './export-store.ts';
import { ExportStoreUnavailableError, type ExportStore, type ObjectRead, type PresignOptions, type StoredObject } from './object-store.ts';
import { openMultipartUpload } from './s3-multipart-upload.ts';
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

/** The bucket and key prefix a store's objects live under, and the client that reaches them. */
interface BucketPlace {
  client: S3Client;
  bucket: string;
  prefix: string;
}

/** The `s3` driver: objects of one bucket under a prefix, written by streaming multipart uploads. */
export function createS3Store(config: S3StoreConfig, client: S3Client = createS3Client(config)): ExportStore {
  const place: BucketPlace = { client, bucket: config.bucket, prefix: config.prefix };
  const root = s3Location(place.bucket, place.prefix);
  const objectKeyOf = (location: string) => objectKeyIn(place, root, location);
  const objectKey = (location: string): string => {
    const key = objectKeyOf(location);
    if (key === undefined) throw new Error(`location ${location} is not in ${root}`);
    return key;
  };
  // The methods answering promises reject a foreign location, never throw it.
  return {
    driver: 's3',
    description: `bucket ${root}${config.endpoint ? ` at ${config.endpoint}` : ''}`,
    check: () => checkBucket(place, config),
    create: async (name, contentType) =>
      openMultipartUpload({ client, bucket: place.bucket, key: `${place.prefix}${exportFileKey(name)}`, contentType }),
    owns: (location) => objectKeyOf(location) !== undefined,
    stat: async (location) => statObject(place, objectKey(location)),
    read: async (location, range) => readObject(place, objectKey(location), range),
    delete: async (location) => deleteObject(place, objectKey(location)),
    list: () => listObjects(place),
    removeStaleUploads: (before) => abortStaleUploads(place, before),
    keyOf: (location) => {
      const key = objectKeyOf(location);
      return key?.startsWith(place.prefix) ? key.slice(place.prefix.length) : undefined;
    },
    presignedUrl: async (location, options) => presignGet(place, objectKey(location), options),
  };
}

/** The object key a location names when it is in this bucket under `root`, else undefined. */
function objectKeyIn({ bucket }: BucketPlace, root: string, location: string): string | undefined {
  if (!location.startsWith(root)) return undefined;
  const parsed = parseLocation(location, '/');
  return parsed?.scheme === 's3' && parsed.bucket === bucket ? parsed.key : undefined;
}

async function checkBucket({ client, bucket }: BucketPlace, config: S3StoreConfig): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    throw new ExportStoreUnavailableError(explainS3Failure(error, config));
  }
}

async function statObject({ client, bucket }: BucketPlace, key: string): Promise<{ size: number } | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: head.ContentLength ?? 0 };
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function readObject({ client, bucket }: BucketPlace, key: string, range?: { start: number; end: number }): Promise<ObjectRead | undefined> {
  try {
    const answer = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
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
}

async function deleteObject(place: BucketPlace, key: string): Promise<boolean> {
  const present = (await statObject(place, key)) !== undefined;
  if (present) await place.client.send(new DeleteObjectCommand({ Bucket: place.bucket, Key: key }));
  return present;
}

async function* listObjects({ client, bucket, prefix }: BucketPlace): AsyncIterable<StoredObject> {
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
}

/** Aborts the multipart uploads under the prefix started before `before`; answers how many. */
async function abortStaleUploads({ client, bucket, prefix }: BucketPlace, before: Date): Promise<number> {
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
}

function presignGet({ client, bucket }: BucketPlace, key: string, options: PresignOptions): Promise<string> {
  const get = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ResponseContentDisposition: `attachment; filename="${options.fileName}"`,
    ResponseContentType: options.contentType,
  });
  return getSignedUrl(client, get, { expiresIn: options.expiresInSeconds });
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
