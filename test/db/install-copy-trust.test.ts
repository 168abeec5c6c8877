import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyInstallForUnprivilegedUser } from '../../src/db/embedded-postgres.ts';
import { isTrustedInstallCopy } from '../../src/db/install-copy-trust.ts';

const asRoot = process.getuid?.() === 0;
let base: string;
let copy: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'install-copy-trust-'));
  copy = path.join(base, 'copy');
  fs.mkdirSync(path.join(copy, 'bin'), { recursive: true, mode: 0o755 });
  fs.chmodSync(copy, 0o755);
  fs.chmodSync(path.join(copy, 'bin'), 0o755);
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

const ownUid = process.getuid?.() ?? 0;

describe('trust in a copy of the PostgreSQL binaries in a shared directory', () => {
  it('trusts a directory owned by the expected user that only it can write', () => {
    expect(isTrustedInstallCopy(copy, ownUid)).toBe(true);
  });

  it('refuses a copy that group or others can write, at the top or in bin', () => {
    fs.chmodSync(copy, 0o775);
    expect(isTrustedInstallCopy(copy, ownUid)).toBe(false);
    fs.chmodSync(copy, 0o757);
    expect(isTrustedInstallCopy(copy, ownUid)).toBe(false);
    fs.chmodSync(copy, 0o755);
    fs.chmodSync(path.join(copy, 'bin'), 0o777);
    expect(isTrustedInstallCopy(copy, ownUid)).toBe(false);
  });

  it('refuses a symlink to a directory, a plain file and a missing path', () => {
    const link = path.join(base, 'link');
    fs.symlinkSync(copy, link);
    expect(isTrustedInstallCopy(link, ownUid)).toBe(false);
    const file = path.join(base, 'file');
    fs.writeFileSync(file, '');
    expect(isTrustedInstallCopy(file, ownUid)).toBe(false);
    expect(isTrustedInstallCopy(path.join(base, 'missing'), ownUid)).toBe(false);
  });

  it.runIf(asRoot)('refuses a copy planted by another user (uid 65534), even with a root-owned bin', () => {
    expect(isTrustedInstallCopy(copy)).toBe(true);
    fs.chownSync(copy, 65534, 65534);
    expect(isTrustedInstallCopy(copy)).toBe(false);
    fs.chownSync(copy, 0, 0);
    fs.chownSync(path.join(copy, 'bin'), 65534, 65534);
    expect(isTrustedInstallCopy(copy)).toBe(false);
  });
});

describe.runIf(asRoot && process.platform === 'linux')('copy of the binaries made when running as root', () => {
  it('never runs a planted copy: one owned by another uid is replaced by a root-owned 0755 copy', async () => {
    const previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = base; // a private temp dir, so no other run's copy is touched
    try {
      const found = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string; postgres: string };
      const nativeDir = path.dirname(path.dirname(found.postgres));
      const version = (JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
      const planted = path.join(base, `chat-archiver-postgres-${process.platform}-${process.arch}-${version}`);
      fs.mkdirSync(path.join(planted, 'bin'), { recursive: true });
      fs.writeFileSync(path.join(planted, 'bin', 'postgres'), '#!/bin/sh\necho planted\n', { mode: 0o755 });
      fs.writeFileSync(path.join(planted, '.complete'), version);
      fs.chownSync(planted, 65534, 65534);

      const copied = copyInstallForUnprivilegedUser(found);
      const dir = path.dirname(path.dirname(copied.postgres));
      expect(isTrustedInstallCopy(dir)).toBe(true);
      expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
      expect(fs.readFileSync(copied.postgres).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // ELF, not the script
      expect(copyInstallForUnprivilegedUser(found).postgres).toBe(copied.postgres); // a trusted copy is reused
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
    }
  });
});
