import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface TempDir {
  path: string;
  /** Removes the directory and all below it. */
  close(): Promise<void>;
}

/** A fresh directory under the system's temp dir whose name starts with `chat-archiver-<name>-`. */
export async function openTempDir(name: string): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `chat-archiver-${name}-`));
  return { path: dir, close: () => rm(dir, { recursive: true, force: true }) };
}
