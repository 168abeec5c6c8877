import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';

// JSON columns are read as unknown and parsed here; anything that is not a JSON object is shown as null.
const jsonObject = z.record(z.string(), z.unknown());
const objectOrNull = (value: unknown) => {
  const parsed = jsonObject.safeParse(value);
  return parsed.success ? parsed.data : null;
};

export const ITEMS_PER_ARCHIVE_LIMIT = 500;

export interface ArchiveSummaryView {
  archiveId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  itemCount: number;
  tokens: number | null;
  exportFormat: string | null;
  exportLocation: string | null;
  fileSize: number | null;
  mcpServerId: string | null;
  mcpMetadata: Record<string, unknown> | null;
}

export interface ArchiveItemView {
  itemId: string;
  threadId: string;
  /** Chat text. Null when the thread no longer exists. */
  threadTitle: string | null;
  itemType: string;
  addedAt: string;
  tokens: number | null;
  /** Chat text. */
  summary: string | null;
  analysis: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
}

export interface ArchiveView extends ArchiveSummaryView {
  items: ArchiveItemView[];
  /** True when the archive holds more than ITEMS_PER_ARCHIVE_LIMIT items and only the newest are listed. */
  itemsTruncated: boolean;
}

export interface ArchivePage {
  archives: ArchiveSummaryView[];
  nextCursor: string | null;
}

/** Keyset position: the row's exact timestamp text (microseconds survive) and id. */
const TIMESTAMP_TEXT = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?$/;
/** A timestamp PostgreSQL will accept: in the shape it prints, and a real calendar day (no 31 February). */
const isTimestampText = (text: string): boolean => {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};
const cursorSchema = z.tuple([z.string().refine(isTimestampText), z.uuid()]);

export function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function encodeCursor(createdKey: string, id: string): string {
  return Buffer.from(JSON.stringify([createdKey, id]), 'utf8').toString('base64url');
}

function archiveSummaries(db: Kysely<Database>) {
  return db
    .selectFrom('archive as a')
    .select((eb) => [
      'a.id',
      'a.name',
      'a.description',
      'a.created_at',
      'a.updated_at',
      sql<string>`a.created_at::text`.as('created_key'),
      'a.export_format',
      'a.storage_location',
      'a.file_size',
      'a.mcp_server_id',
      'a.mcp_metadata',
      eb.selectFrom('archive_item as i').whereRef('i.archive_id', '=', 'a.id').select(sql<number>`count(*)::int`.as('n')).as('item_count'),
      eb.selectFrom('archive_item as i').whereRef('i.archive_id', '=', 'a.id').select(sql<number | null>`sum(i.tokens_count)::int`.as('t')).as('tokens'),
    ]);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof archiveSummaries>['executeTakeFirstOrThrow']>>;

function toSummary(row: SummaryRow): ArchiveSummaryView {
  return {
    archiveId: row.id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    itemCount: row.item_count ?? 0,
    tokens: row.tokens ?? null,
    exportFormat: row.export_format,
    exportLocation: row.storage_location,
    fileSize: row.file_size === null ? null : Number(row.file_size),
    mcpServerId: row.mcp_server_id,
    mcpMetadata: objectOrNull(row.mcp_metadata),
  };
}

/** The user's archives, newest first, one page at a time. */
export async function listArchives(db: Kysely<Database>, userId: string, page: { limit: number; after?: [string, string] }): Promise<ArchivePage> {
  return actingAs(db, { userId }, async (trx) => {
    let query = archiveSummaries(trx)
      .where('a.user_id', '=', userId)
      .orderBy('a.created_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(page.limit + 1);
    if (page.after) {
      const [createdKey, id] = page.after;
      query = query.where(sql<boolean>`(a.created_at, a.id) < (${createdKey}::timestamp, ${id}::uuid)`);
    }
    const rows = await query.execute();
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return { archives: shown.map(toSummary), nextCursor: more && last ? encodeCursor(last.created_key, last.id) : null };
  });
}

/** One archive of the user with its items, or undefined when it does not exist or is someone else's. */
export async function loadArchive(db: Kysely<Database>, userId: string, archiveId: string): Promise<ArchiveView | undefined> {
  return actingAs(db, { userId }, async (trx) => {
    const row = await archiveSummaries(trx)
      .where('a.id', '=', archiveId)
      .where('a.user_id', '=', userId)
      .executeTakeFirst();
    if (!row) return undefined;
    const items = await trx
      .selectFrom('archive_item as i')
      .leftJoin('chat_thread as t', (join) => join.onRef('t.id', '=', 'i.item_id').onRef('t.user_id', '=', 'i.user_id'))
      .select(['i.id', 'i.item_id', 'i.item_type', 'i.added_at', 'i.tokens_count', 'i.content_summary', 'i.mcp_analysis', 'i.metadata', 't.title'])
      .where('i.archive_id', '=', archiveId)
      .orderBy('i.added_at', 'desc')
      .orderBy('i.id')
      .limit(ITEMS_PER_ARCHIVE_LIMIT + 1)
      .execute();
    return {
      ...toSummary(row),
      items: items.slice(0, ITEMS_PER_ARCHIVE_LIMIT).map((item) => {
        const parsedMetadata = objectOrNull(item.metadata);
        const { threadTitle: archivedTitle, ...metadata } = parsedMetadata ?? {};
        return {
          itemId: item.id,
          threadId: item.item_id,
          // The worker also keeps the title in the item's metadata: shown once, and when the thread is gone.
          threadTitle: item.title ?? (typeof archivedTitle === 'string' ? archivedTitle : null),
          itemType: item.item_type,
          addedAt: item.added_at.toISOString(),
          tokens: item.tokens_count,
          summary: item.content_summary,
          analysis: objectOrNull(item.mcp_analysis),
          metadata: parsedMetadata ? metadata : null,
        };
      }),
      itemsTruncated: items.length > ITEMS_PER_ARCHIVE_LIMIT,
    };
  });
}

/** Where the archive's export file is, for the export resource; undefined when not the user's. */
export async function archiveExport(
  db: Kysely<Database>,
  userId: string,
  archiveId: string,
): Promise<{ exportFormat: string | null; storageLocation: string | null } | undefined> {
  return actingAs(db, { userId }, (trx) =>
    trx
      .selectFrom('archive')
      .select(['export_format as exportFormat', 'storage_location as storageLocation'])
      .where('id', '=', archiveId)
      .where('user_id', '=', userId)
      .executeTakeFirst(),
  );
}

/** The newest archives of the user, for resources/list. */
export async function recentArchiveNames(db: Kysely<Database>, userId: string, limit: number): Promise<Array<{ id: string; name: string }>> {
  return actingAs(db, { userId }, (trx) =>
    trx.selectFrom('archive').select(['id', 'name']).where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute(),
  );
}

export interface ArchiveRow {
  id: string;
  name: string;
  description: string | null;
}

/** The archive's name and description when it is the user's. */
export async function archiveOfUser(db: Kysely<Database>, userId: string, archiveId: string): Promise<ArchiveRow | undefined> {
  const row = await db.selectFrom('archive').select(['id', 'name', 'description', 'user_id']).where('id', '=', archiveId).executeTakeFirst();
  return row && row.user_id === userId ? { id: row.id, name: row.name, description: row.description } : undefined;
}

/** Creates the archive, or (a retry of the same job) touches it when it already exists and is the same user's. */
export async function upsertNewArchive(db: Kysely<Database>, archive: ArchiveRow & { userId: string }): Promise<ArchiveRow | undefined> {
  const { rows } = await sql<ArchiveRow>`
    INSERT INTO archive (id, name, description, user_id)
    VALUES (${archive.id}, ${archive.name}, ${archive.description}, ${archive.userId})
    ON CONFLICT (id) DO UPDATE SET updated_at = now() WHERE archive.user_id = excluded.user_id
    RETURNING id, name, description`.execute(db);
  return rows[0];
}

/** Touches an existing archive of the user; undefined when it is gone or someone else's. */
export async function touchArchiveOfUser(db: Kysely<Database>, userId: string, archiveId: string): Promise<ArchiveRow | undefined> {
  const { rows } = await sql<ArchiveRow>`
    UPDATE archive SET updated_at = now() WHERE id = ${archiveId} AND user_id = ${userId}
    RETURNING id, name, description`.execute(db);
  return rows[0];
}

export interface ArchiveItemWrite {
  archiveId: string;
  threadId: string;
  userId: string;
  metadata: unknown;
  analysis: unknown;
  tokensCount: number;
  summary: string;
}

export interface ThreadItemWritten {
  archiveItemId: string;
  /** The archive's items and tokens once this item is written. */
  totals: { items: number; tokens: number };
  /** Where this item's export was before the write (the export lifecycle deletes it once no row names it). */
  replacedLocations: string[];
}

/**
 * Writes the thread's item, keyed by (archive_id, item_id) among the rows this service writes, so a retry of the
 * same job replaces it instead of adding a second one; in the same statement (one round trip), reads the item's
 * previous export location and the archive's totals. The totals are those before the statement, less the replaced
 * item, plus this one: the caller holds the archive row's lock (its first write), so no other writer of this archive
 * is between them.
 */
export async function upsertThreadItem(db: Kysely<Database>, item: ArchiveItemWrite): Promise<ThreadItemWritten> {
  const { rows } = await sql<{ id: string; items: number; tokens: string; replaced: string[] }>`
    WITH previous AS (
      SELECT tokens_count, metadata -> 'export' ->> 'storageLocation' AS location
      FROM archive_item
      WHERE archive_id = ${item.archiveId} AND item_id = ${item.threadId} AND (metadata ->> 'writer') = 'chat-archiver'
    ), before AS (
      SELECT count(*)::int AS items, coalesce(sum(tokens_count), 0)::bigint AS tokens FROM archive_item WHERE archive_id = ${item.archiveId}
    ), written AS (
      INSERT INTO archive_item (archive_id, item_id, user_id, item_type, metadata, mcp_analysis, tokens_count, content_summary)
      VALUES (${item.archiveId}, ${item.threadId}, ${item.userId}, 'thread', ${JSON.stringify(item.metadata)},
              ${JSON.stringify(item.analysis)}, ${item.tokensCount}, ${item.summary})
      ON CONFLICT (archive_id, item_id) WHERE (metadata ->> 'writer') = 'chat-archiver'
      DO UPDATE SET user_id = excluded.user_id, item_type = excluded.item_type, metadata = excluded.metadata,
                    mcp_analysis = excluded.mcp_analysis, tokens_count = excluded.tokens_count,
                    content_summary = excluded.content_summary
      RETURNING id
    )
    SELECT written.id,
           (SELECT items FROM before) - (SELECT count(*) FROM previous)::int + 1 AS items,
           ((SELECT tokens FROM before) - (SELECT coalesce(sum(tokens_count), 0) FROM previous) + ${item.tokensCount})::bigint AS tokens,
           coalesce((SELECT array_agg(location) FROM previous WHERE location IS NOT NULL), '{}') AS replaced
    FROM written`.execute(db);
  const row = rows[0]!;
  return { archiveItemId: row.id, totals: { items: row.items, tokens: Number(row.tokens) }, replacedLocations: row.replaced };
}

export interface ArchiveExportWrite {
  archiveId: string;
  mcpMetadata: unknown;
  mcpServerId: string | null;
  exportFormat: string;
  storageLocation: string;
  fileSize: number;
}

/** Records the archive's latest export and the service's metadata on the archive row. */
export async function recordArchiveExport(db: Kysely<Database>, write: ArchiveExportWrite): Promise<void> {
  await sql`
    UPDATE archive SET mcp_metadata = ${JSON.stringify(write.mcpMetadata)}, mcp_server_id = ${write.mcpServerId},
                       export_format = ${write.exportFormat}, storage_location = ${write.storageLocation},
                       file_size = ${write.fileSize}, updated_at = now()
    WHERE id = ${write.archiveId}`.execute(db);
}

export async function userOwnsArchive(db: Kysely<Database>, userId: string, archiveId: string): Promise<boolean> {
  const row = await db.selectFrom('archive').select('id').where('id', '=', archiveId).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

/** The user's oldest archive with exactly this name, or undefined. */
export async function archiveNamed(db: Kysely<Database>, userId: string, name: string): Promise<ArchiveRow | undefined> {
  const { rows } = await sql<ArchiveRow>`
    SELECT id, name, description FROM archive WHERE user_id = ${userId} AND name = ${name}
    ORDER BY created_at, id LIMIT 1`.execute(db);
  return rows[0];
}

export interface ItemWrite {
  archiveId: string;
  itemType: 'thread' | 'agent' | 'workflow';
  itemId: string;
  userId: string;
  metadata: unknown;
  analysis: unknown;
  tokensCount: number;
  summary: string;
}

/**
 * Writes an item (thread, agent or workflow), keyed by (archive_id, item_id) among the rows this service writes, so
 * a retry of the same job replaces it instead of adding a second one. Returns the item id.
 */
export async function upsertArchiveItem(db: Kysely<Database>, item: ItemWrite): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO archive_item (archive_id, item_id, user_id, item_type, metadata, mcp_analysis, tokens_count, content_summary)
    VALUES (${item.archiveId}, ${item.itemId}, ${item.userId}, ${item.itemType}, ${JSON.stringify(item.metadata)},
            ${JSON.stringify(item.analysis)}, ${item.tokensCount}, ${item.summary})
    ON CONFLICT (archive_id, item_id) WHERE (metadata ->> 'writer') = 'chat-archiver'
    DO UPDATE SET user_id = excluded.user_id, item_type = excluded.item_type, metadata = excluded.metadata,
                  mcp_analysis = excluded.mcp_analysis, tokens_count = excluded.tokens_count,
                  content_summary = excluded.content_summary
    RETURNING id`.execute(db);
  return rows[0]!.id;
}

/** Records the archive's latest export file without touching the service metadata of its thread items. */
export async function recordArchiveFile(db: Kysely<Database>, write: { archiveId: string; exportFormat: string; storageLocation: string; fileSize: number }): Promise<void> {
  await sql`
    UPDATE archive SET export_format = ${write.exportFormat}, storage_location = ${write.storageLocation},
                       file_size = ${write.fileSize}, updated_at = now()
    WHERE id = ${write.archiveId}`.execute(db);
}
