import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { embeddedDataDir, securePrivateDirs } from '../../src/db/embedded-data-dir.ts';

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

  const modeOf = (dir: string) => fs.statSync(dir).mode & 0o777;

  it('makes DATA_DIR private (0700) and tightens one an older version left at 0755', () => {
    const project = path.join(root, 'modes-user');
    fs.mkdirSync(path.join(project, '.data'), { recursive: true, mode: 0o755 });
    fs.chmodSync(path.join(project, '.data'), 0o755);
    const config = loadConfig({}, project);
    securePrivateDirs(config, config.embedded.dataDir, { asRoot: false });
    expect(modeOf(path.join(project, '.data'))).toBe(0o700);
  });

  it('run as root with the cluster inside DATA_DIR, keeps DATA_DIR crossable but unlistable (0711) and the cluster 0700', () => {
    const project = path.join(root, 'modes-root');
    const config = loadConfig({}, project);
    fs.mkdirSync(config.embedded.dataDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(config.embedded.dataDir, 0o755);
    securePrivateDirs(config, config.embedded.dataDir, { asRoot: true });
    expect(modeOf(path.join(project, '.data'))).toBe(0o711);
    expect(modeOf(config.embedded.dataDir)).toBe(0o700);
  });

  it('run as root with the cluster in the fallback, keeps DATA_DIR 0700 and the fallback directories 0711', () => {
    const base = path.join(root, 'var-lib-modes');
    const config = loadConfig({}, privateProject);
    const cluster = embeddedDataDir(config, { asRoot: true, fallbackBase: base });
    securePrivateDirs(config, cluster, { asRoot: true, fallbackBase: base });
    expect(modeOf(path.join(privateProject, '.data'))).toBe(0o700);
    expect(modeOf(base)).toBe(0o711);
    expect(modeOf(path.dirname(cluster))).toBe(0o711);
  });

  it('leaves a shared sticky directory named as DATA_DIR, and the parents of an explicit EMBEDDED_PG_DATA, as they are', () => {
    const shared = path.join(root, 'shared-tmp');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const explicitParent = path.join(root, 'explicit-parent');
    fs.mkdirSync(explicitParent);
    fs.chmodSync(explicitParent, 0o755);
    const config = loadConfig({ DATA_DIR: shared, EMBEDDED_PG_DATA: path.join(explicitParent, 'pg') }, privateProject);
    securePrivateDirs(config, config.embedded.dataDir, { asRoot: true });
    expect(fs.statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(modeOf(explicitParent)).toBe(0o755);
  });
});
