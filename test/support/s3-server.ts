import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3StoreConfig } from '../../src/export/s3-store.ts';

/** s3rver's built-in account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3Server {
  endpoint: string;
  /** A store configuration for `bucket` on this server (created at start). */
  storeConfig(bucket?: string, prefix?: string): S3StoreConfig & { credentials: typeof S3_CREDENTIALS };
  /** Environment a spawned process needs to use the server as EXPORT_STORE=s3. */
  env(bucket?: string): Record<string, string>;
  close(): Promise<void>;
}

export const TEST_BUCKET = 'chat-archiver-test';

/** A real S3-compatible server, in this process, on 127.0.0.1 and a free port; its data in a temp directory. */
export async function startS3Server(buckets: string[] = [TEST_BUCKET]): Promise<TestS3Server> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const address = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    storeConfig: (bucket = TEST_BUCKET, prefix = 'chat-archiver/') => ({
      bucket,
      prefix,
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_CREDENTIALS,
    }),
    env: (bucket = TEST_BUCKET) => ({
      EXPORT_STORE: 's3',
      EXPORT_S3_BUCKET: bucket,
      EXPORT_S3_ENDPOINT: endpoint,
      EXPORT_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    }),
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
