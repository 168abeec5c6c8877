import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportFilePath, openExportFile, removeStaleTempFiles } from '../../src/export/export-store.ts';

const archiveId = '7d3c1f2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b';
const threadId = '0e6b9d3a-77c1-4a0f-b2e5-9f1d8c4a6b20';
const name = { archiveId, threadId, format: 'markdown' } as const;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'export-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const archiveDir = (): string => path.join(dir, archiveId);

describe('export store', () => {
  it('commits to <archiveId>/<threadId>.<ext> with the size and sha256 of what was written', async () => {
    const file = await openExportFile(dir, name);
    await file.write('# Réunion\n');
    await file.write(new Uint8Array([0xe2, 0x9c, 0x93, 0x0a]));
    await file.write('');
    const result = await file.commit();

    const expected = Buffer.concat([Buffer.from('# Réunion\n'), Buffer.from([0xe2, 0x9c, 0x93, 0x0a])]);
    expect(result.storageLocation).toBe(path.join(dir, archiveId, `${threadId}.md`));
    expect(path.isAbsolute(result.storageLocation)).toBe(true);
    expect(await readFile(result.storageLocation)).toEqual(expected);
    expect(result.fileSize).toBe(expected.length);
    expect(result.sha256).toBe(sha256(expected));
    expect(await readdir(archiveDir())).toEqual([`${threadId}.md`]);
  });

  it('names files by format', () => {
    expect(exportFilePath('/x', { archiveId, threadId, format: 'json' })).toBe(`/x/${archiveId}/${threadId}.json`);
    expect(exportFilePath('/x', { archiveId, threadId, format: 'pdf' })).toBe(`/x/${archiveId}/${threadId}.pdf`);
  });

  it('refuses ids that could leave the export directory', async () => {
    for (const bad of ['../etc', '', '.hidden', 'a/b', 'a\\b', 'x'.repeat(200)]) {
      await expect(openExportFile(dir, { ...name, threadId: bad })).rejects.toThrow(/cannot name an export file/);
      await expect(openExportFile(dir, { ...name, archiveId: bad })).rejects.toThrow(/cannot name an export file/);
    }
  });

  it('abort leaves neither the final file nor the temp file', async () => {
    const file = await openExportFile(dir, name);
    await file.write('partial');
    await file.abort();
    await file.abort();
    expect(await readdir(archiveDir())).toEqual([]);
    await expect(file.write('more')).rejects.toThrow(/aborted/);
    await expect(file.commit()).rejects.toThrow(/aborted/);
  });

  it('never shows a half-written file under the final name while writing', async () => {
    const file = await openExportFile(dir, name);
    await file.write('x'.repeat(1_000_000));
    const entries = await readdir(archiveDir());
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(new RegExp(`^\\.${threadId}\\.md\\..+\\.tmp$`));
    await expect(stat(exportFilePath(dir, name))).rejects.toThrow(/ENOENT/);
    await file.abort();
  });

  it('a re-run replaces the committed file atomically, and a failed re-run keeps the old one', async () => {
    const first = await openExportFile(dir, name);
    await first.write('first version');
    await first.commit();

    const failed = await openExportFile(dir, name);
    await failed.write('half of a second ver');
    await failed.abort();
    expect(await readFile(exportFilePath(dir, name), 'utf8')).toBe('first version');

    const second = await openExportFile(dir, name);
    await second.write('second version, longer than the first');
    const result = await second.commit();
    expect(await readFile(result.storageLocation, 'utf8')).toBe('second version, longer than the first');
    expect(result.sha256).toBe(sha256('second version, longer than the first'));
    expect(await readdir(archiveDir())).toEqual([`${threadId}.md`]);
    await second.abort();
    expect(await readFile(result.storageLocation, 'utf8')).toBe('second version, longer than the first');
  });

  it('two concurrent writers of the same export never interleave: the last commit wins whole', async () => {
    const a = await openExportFile(dir, name);
    const b = await openExportFile(dir, name);
    for (let i = 0; i < 100; i++) {
      await a.write(`a${i}\n`);
      await b.write(`b${i}\n`);
    }
    await a.commit();
    const result = await b.commit();
    const content = await readFile(result.storageLocation, 'utf8');
    expect(content).toBe(Array.from({ length: 100 }, (_, i) => `b${i}\n`).join(''));
  });

  it('respects backpressure on large writes and still hashes every byte', async () => {
    // The block is reused: had a write resolved before the stream took the bytes, the file would differ.
    const file = await openExportFile(dir, { ...name, format: 'pdf' });
    const block = Buffer.alloc(4 * 1024 * 1024, 7);
    const hash = createHash('sha256');
    for (let i = 0; i < 8; i++) {
      block[0] = i;
      await file.write(block);
      hash.update(block);
    }
    const result = await file.commit();
    expect(result.fileSize).toBe(32 * 1024 * 1024);
    expect(result.sha256).toBe(hash.digest('hex'));
    expect(sha256(await readFile(result.storageLocation))).toBe(result.sha256);
  });

  it('removes temp files older than the limit and keeps recent ones and committed exports', async () => {
    const committed = await openExportFile(dir, name);
    await committed.write('done');
    await committed.commit();
    const orphan = await openExportFile(dir, { ...name, threadId: 'crashed-thread' });
    await orphan.write('left behind by a crash');
    const running = await openExportFile(dir, { ...name, threadId: 'running-thread' });
    await running.write('still being written');

    const old = new Date(Date.now() - 2 * 60 * 60_000);
    for (const entry of await readdir(archiveDir())) {
      if (entry.startsWith('.crashed-thread')) await utimes(path.join(archiveDir(), entry), old, old);
    }
    await writeFile(path.join(dir, 'unrelated.txt'), 'not a directory');

    expect(await removeStaleTempFiles(dir, 60)).toBe(1);
    const left = await readdir(archiveDir());
    expect(left).toContain(`${threadId}.md`);
    expect(left.some((entry) => entry.startsWith('.running-thread'))).toBe(true);
    expect(left.some((entry) => entry.startsWith('.crashed-thread'))).toBe(false);
    expect(await removeStaleTempFiles(path.join(dir, 'missing'), 60)).toBe(0);
    await running.abort();
    await orphan.abort();
  });
});
