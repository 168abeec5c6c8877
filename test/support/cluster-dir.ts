import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './test-cluster.ts';

/** A temporary home for an embedded PostgreSQL cluster: its data dir (not created yet) and a free port. */
export interface ClusterDir {
  root: string;
  dataDir: string;
  port: number;
  remove(): void;
}

export async function makeClusterDir(name: string): Promise<ClusterDir> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `chat-archiver-${name}-`));
  fs.chmodSync(root, 0o755); // as root, the server runs as nobody and must reach its data dir
  return { root, dataDir: path.join(root, 'pg'), port: await freePort(), remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
