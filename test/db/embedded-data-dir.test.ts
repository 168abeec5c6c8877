import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { embeddedDataDir } from '../../src/db/embedded-data-dir.ts';

describe('embedded data dir', () => {
  let root: string;
  let privateProject: string;
  let openProject: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-archiver-datadir-'));
    fs.chmodSync(root, 0o755);
    privateProject = path.join(root, 'private', 'app');
    openProject = path.join(root, 'open', 'app');
    fs.mkdirSync(privateProject, { recursive: true });
    fs.mkdirSync(openProject, { recursive: true });
    fs.chmodSync(path.join(root, 'private'), 0o700); // like /root
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps the default under the project when the server user can reach it, or when not root', () => {
    expect(embeddedDataDir(loadConfig({}, openProject), { asRoot: true })).toBe(path.join(openProject, '.data', 'postgres'));
    expect(embeddedDataDir(loadConfig({}, privateProject), { asRoot: false })).toBe(path.join(privateProject, '.data', 'postgres'));
  });

  it('moves the default of a root-run project in a private directory to a stable place the server can reach', () => {
    const base = path.join(root, 'var-lib');
    const first = embeddedDataDir(loadConfig({}, privateProject), { asRoot: true, fallbackBase: base });
    expect(first.startsWith(`${base}${path.sep}app-`)).toBe(true);
    expect(first.endsWith(`${path.sep}postgres`)).toBe(true);
    expect(embeddedDataDir(loadConfig({}, privateProject), { asRoot: true, fallbackBase: base })).toBe(first);
    const other = embeddedDataDir(loadConfig({ DATA_DIR: 'elsewhere' }, privateProject), { asRoot: true, fallbackBase: base });
    expect(other).not.toBe(first);
  });

  it('keeps an existing data dir that is private to the server (0700) where it is', () => {
    const dataDir = path.join(openProject, '.data', 'postgres');
    fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    fs.mkdirSync(dataDir, { mode: 0o700 });
    expect(embeddedDataDir(loadConfig({}, openProject), { asRoot: true })).toBe(dataDir);
  });

  it('never moves an explicit EMBEDDED_PG_DATA', () => {
    const explicit = path.join(privateProject, 'pg');
    expect(embeddedDataDir(loadConfig({ EMBEDDED_PG_DATA: explicit }, privateProject), { asRoot: true })).toBe(explicit);
  });
});
