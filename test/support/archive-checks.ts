import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../src/db/database.ts';
import { PGBOSS_SCHEMA } from '../../src/db/service-role.ts';

const itemExport = z.object({ export: z.object({ storageLocation: z.string(), fileSize: z.number(), sha256: z.string() }) });

/** How many archive items the service wrote per thread (metadata writer = chat-archiver). */
export async function serviceItemsPerThread(owner: Kysely<Database>): Promise<Map<string, number>> {
  const { rows } = await sql<{ item_id: string; n: number }>`
    SELECT item_id, count(*)::int AS n FROM archive_item WHERE metadata ->> 'writer' = 'chat-archiver' GROUP BY item_id`.execute(owner);
  return new Map(rows.map((row) => [row.item_id, row.n]));
}

/**
 * Checks every service-written item's export file: it exists, and its size and sha256 are the ones recorded.
 * Returns one line per problem (empty when all is well) and how many files were checked.
 */
export async function checkExportFiles(owner: Kysely<Database>): Promise<{ checked: number; problems: string[] }> {
  const { rows } = await sql<{ id: string; metadata: unknown }>`
    SELECT id, metadata FROM archive_item WHERE metadata ->> 'writer' = 'chat-archiver'`.execute(owner);
  const problems: string[] = [];
  for (const row of rows) {
    const { export: file } = itemExport.parse(row.metadata);
    try {
      const local = file.storageLocation.startsWith('file:') ? fileURLToPath(file.storageLocation) : file.storageLocation;
      const size = (await stat(local)).size;
      const sha256 = await sha256Of(local);
      if (size !== file.fileSize) problems.push(`${row.id}: size ${size} != recorded ${file.fileSize}`);
      if (sha256 !== file.sha256) problems.push(`${row.id}: sha256 differs from the recorded checksum`);
    } catch (error) {
      problems.push(`${row.id}: ${(error as Error).message}`);
    }
  }
  return { checked: rows.length, problems };
}

/** Files under the export directory whose name marks an unfinished export (`.<name>.<pid>-<random>.tmp`). */
export async function tempFilesUnder(exportDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(exportDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

/** Jobs of one queue by state, straight from pg-boss's table. */
export async function jobStates(owner: Kysely<Database>, queue: string): Promise<Record<string, number>> {
  const { rows } = await sql<{ state: string; n: number }>`
    SELECT state::text AS state, count(*)::int AS n FROM ${sql.table(`${PGBOSS_SCHEMA}.job`)} WHERE name = ${queue} GROUP BY state`.execute(owner);
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
