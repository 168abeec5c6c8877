// The floor of bulk archiving: the same threads archived in one pass by one process, with nothing of the pipeline
// around it. One query reads every message of the threads in thread order; each message's text is counted with
// loadTokenCounter; each thread becomes one JSON file; every file (and the directory) is fsynced once at the end.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { loadTokenCounter } from '../../src/analysis/tokens.ts';
import { extractMessageContent } from '../../src/chat/message-content.ts';
import type { Database } from '../../src/db/database.ts';

export interface SinglePass {
  seconds: number;
  threads: number;
  tokens: number;
}

interface MessageRow {
  id: string;
  thread_id: string;
  role: string;
  parts: unknown;
  created_at: Date;
}

async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function singlePass(owner: Kysely<Database>, threadIds: readonly string[], parentDir: string): Promise<SinglePass> {
  const dir = await mkdtemp(path.join(parentDir, 'single-pass-'));
  try {
    const started = performance.now();
    const counter = await loadTokenCounter('o200k_base');
    const { rows } = await sql<MessageRow>`
      SELECT id, thread_id, role, parts, created_at FROM chat_message
      WHERE thread_id = ANY(${threadIds}::uuid[]) ORDER BY thread_id, created_at, id`.execute(owner);
    const files: string[] = [];
    let tokens = 0;
    let start = 0;
    while (start < rows.length) {
      const threadId = rows[start]!.thread_id;
      let end = start;
      const messages = [];
      for (; end < rows.length && rows[end]!.thread_id === threadId; end++) {
        const row = rows[end]!;
        const count = counter.count(extractMessageContent(row.parts).text);
        tokens += count;
        messages.push({ id: row.id, role: row.role, createdAt: row.created_at, parts: row.parts, tokens: count });
      }
      const file = path.join(dir, `${threadId}.json`);
      await writeFile(file, JSON.stringify({ threadId, messages }));
      files.push(file);
      start = end;
    }
    const BATCH = 64;
    for (let i = 0; i < files.length; i += BATCH) await Promise.all(files.slice(i, i + BATCH).map(fsyncPath));
    await fsyncPath(dir);
    return { seconds: (performance.now() - started) / 1000, threads: files.length, tokens };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
