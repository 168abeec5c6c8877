import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsStore } from '../../src/export/fs-store.ts';
import { ExportStoreUnavailableError, type ExportStore } from '../../src/export/object-store.ts';
import { createS3Store } from '../../src/export/s3-store.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';

const archiveId = '7d3c1f2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b';
const threadId = '0e6b9d3a-77c1-4a0f-b2e5-9f1d8c4a6b20';
const jobId = '5f0c6a2e-1b3d-4e5f-8a9b-0c1d2e3f4a5b';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let s3: TestS3Server;
let dir: string;
beforeAll(async () => {
  s3 = await startS3Server();
  dir = await mkdtemp(path.join(tmpdir(), 'store-drivers-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

const drivers: Array<[string, () => ExportStore]> = [
  ['fs', () => createFsStore(dir)],
  ['s3', () => createS3Store(s3.storeConfig())],
];

async function listed(store: ExportStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list()) keys.push(object.key);
  return keys.sort();
}

describe.each(drivers)('export store, %s driver', (driver, open) => {
  it('streams an object in, names it by a location it owns, and reads it back whole and by range', async () => {
    const store = open();
    await store.check();
    const writer = await store.create({ archiveId, threadId, jobId, format: 'markdown' }, 'text/markdown');
    // Larger than one multipart part, so the s3 driver really uploads in parts.
    const chunk = Buffer.alloc(1024 * 1024, 'é');
    for (let i = 0; i < 7; i++) await writer.write(chunk);
    await writer.write('tail\n');
    const result = await writer.commit();
    const expected = Buffer.concat([...Array.from({ length: 7 }, () => chunk), Buffer.from('tail\n')]);

    expect(result.fileSize).toBe(expected.length);
    expect(result.sha256).toBe(sha256(expected));
    expect(result.storageLocation.startsWith(driver === 's3' ? 's3://chat-archiver-test/chat-archiver/' : 'file:///')).toBe(true);
    expect(store.owns(result.storageLocation)).toBe(true);
    expect(store.keyOf(result.storageLocation)).toBe(`${archiveId}/${threadId}.${jobId}.md`);
    expect(await store.stat(result.storageLocation)).toEqual({ size: expected.length });

    const whole = await store.read(result.storageLocation);
    expect(sha256(await buffer(whole!.body))).toBe(result.sha256);
    const part = await store.read(result.storageLocation, { start: 1000, end: 1999 });
    expect(part).toMatchObject({ start: 1000, end: 1999, size: expected.length });
    expect(await buffer(part!.body)).toEqual(expected.subarray(1000, 2000));

    expect(await listed(store)).toContain(`${archiveId}/${threadId}.${jobId}.md`);
    expect(await store.delete(result.storageLocation)).toBe(true);
    expect(await store.delete(result.storageLocation)).toBe(false);
    expect(await store.stat(result.storageLocation)).toBeUndefined();
    expect(await store.read(result.storageLocation)).toBeUndefined();
  });

  it('keeps every byte in order whatever the chunk sizes, across parts and at an exact multiple of a part', async () => {
    const store = open();
    // Chunks smaller than, larger than and straddling a 5 MiB part, and more than the s3 driver takes in while a
    // part uploads: 16 MiB, then exactly 10 MiB.
    const MiB = 1024 * 1024;
    for (const sizes of [[1, 700 * 1024, 3 * MiB, 6 * MiB + 5, 1 * MiB, 1 * MiB, 2 * MiB, 2 * MiB - 700 * 1024 - 6], [5 * MiB, 5 * MiB]]) {
      const expected = randomBytes(sizes.reduce((a, b) => a + b, 0));
      const writer = await store.create({ archiveId, threadId, jobId, format: 'json' }, 'application/json');
      let offset = 0;
      for (const length of sizes) {
        await writer.write(expected.subarray(offset, offset + length));
        offset += length;
      }
      const result = await writer.commit();
      expect(result).toMatchObject({ fileSize: expected.length, sha256: sha256(expected) });
      const read = await store.read(result.storageLocation);
      expect(sha256(await buffer(read!.body))).toBe(result.sha256);
      await store.delete(result.storageLocation);
    }
  });

  it('shows nothing of an aborted write', async () => {
    const store = open();
    const writer = await store.create({ archiveId, threadId: 'aborted', format: 'json' }, 'application/json');
    await writer.write(Buffer.alloc(6 * 1024 * 1024, 'x'));
    await writer.abort();
    await writer.abort();
    await expect(writer.commit()).rejects.toThrow(/aborted/);
    expect(await listed(store)).not.toContain(`${archiveId}/aborted.json`);
    expect(await store.removeStaleUploads(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(0);
  });

  it('a second commit under the same key replaces the object whole', async () => {
    const store = open();
    const first = await store.create({ archiveId, threadId, jobId, format: 'json' }, 'application/json');
    await first.write('{"first":true}');
    const a = await first.commit();
    const second = await store.create({ archiveId, threadId, jobId, format: 'json' }, 'application/json');
    await second.write('{"second":true}');
    const b = await second.commit();
    expect(b.storageLocation).toBe(a.storageLocation);
    expect((await buffer((await store.read(b.storageLocation))!.body)).toString()).toBe('{"second":true}');
    expect((await listed(store)).filter((k) => k.endsWith(`${jobId}.json`))).toHaveLength(1);
    await store.delete(b.storageLocation);
  });

  it('refuses locations outside itself', async () => {
    const store = open();
    for (const foreign of ['file:///etc/passwd', '/etc/passwd', '../../etc/passwd', 's3://other-bucket/chat-archiver/x.json', 's3://chat-archiver-test/elsewhere/x.json', 'https://example.org/x']) {
      expect(store.owns(foreign)).toBe(false);
      expect(await store.read(foreign).catch(() => undefined)).toBeUndefined();
    }
  });
});

describe('s3 driver start-up check', () => {
  it('names a missing bucket in one line', async () => {
    const error = await createS3Store(s3.storeConfig('no-such-bucket')).check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportStoreUnavailableError);
    expect((error as Error).message).toMatch(/^EXPORT_S3_BUCKET: bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ does not exist$/);
  });

  it('says the credentials were refused', async () => {
    const config = { ...s3.storeConfig(), credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } };
    const error = await createS3Store(config).check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportStoreUnavailableError);
    expect((error as Error).message).toMatch(/credentials were refused/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('says the endpoint cannot be reached', async () => {
    const config = { ...s3.storeConfig(), endpoint: 'http://127.0.0.1:1' };
    const error = await createS3Store(config).check().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^EXPORT_S3_ENDPOINT: cannot reach bucket/);
  });
});

describe('fs driver file modes', () => {
  const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

  it('writes exports 0600 in directories 0700 whatever the umask, and tightens an archive directory left wider', async () => {
    const root = path.join(dir, 'private', 'exports');
    const store = createFsStore(root);
    const previous = process.umask(0o000);
    try {
      await store.check();
      const first = await store.create({ archiveId, threadId, jobId, format: 'json' }, 'application/json');
      await first.write('{"chat":"secret"}');
      const result = await first.commit();
      const file = fileURLToPath(result.storageLocation);
      expect(await modeOf(file)).toBe(0o600);
      expect(await modeOf(path.dirname(file))).toBe(0o700);
      expect(await modeOf(root)).toBe(0o700);

      await chmod(path.dirname(file), 0o755);
      const second = await store.create({ archiveId, threadId, jobId, format: 'markdown' }, 'text/markdown');
      const pending = (await readdir(path.dirname(file))).find((name) => name.endsWith('.tmp'));
      expect(await modeOf(path.join(path.dirname(file), pending!))).toBe(0o600);
      await second.write('# secret');
      await second.commit();
      expect(await modeOf(path.dirname(file))).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });
});
