import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

export interface AccessTokenRow {
  id: string;
  user_id: string;
  name: string;
  admin: boolean;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** As the owner: the service role cannot insert tokens. */
export async function insertAccessToken(
  ownerDb: Kysely<Database>,
  token: { userId: string; name: string; tokenHash: Buffer; admin: boolean; expiresAt: Date | null },
): Promise<AccessTokenRow> {
  return ownerDb
    .insertInto('mcp_archiver.access_token')
    .values({ user_id: token.userId, name: token.name, token_hash: token.tokenHash, admin: token.admin, expires_at: token.expiresAt })
    .returning(['id', 'user_id', 'name', 'admin', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .executeTakeFirstOrThrow();
}

export async function selectAccessTokens(ownerDb: Kysely<Database>, filter: { userId?: string }): Promise<AccessTokenRow[]> {
  let query = ownerDb
    .selectFrom('mcp_archiver.access_token')
    .select(['id', 'user_id', 'name', 'admin', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .orderBy('created_at')
    .orderBy('id');
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  return query.execute();
}

/** Revoking twice keeps the first revocation time. */
export async function markAccessTokenRevoked(ownerDb: Kysely<Database>, id: string): Promise<AccessTokenRow | undefined> {
  return ownerDb
    .updateTable('mcp_archiver.access_token')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where('id', '=', id)
    .returning(['id', 'user_id', 'name', 'admin', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .executeTakeFirst();
}

/** What checking a presented token needs, found by its hash. */
export async function accessTokenByHash(db: Kysely<Database>, tokenHash: Buffer) {
  return db
    .selectFrom('mcp_archiver.access_token')
    .select(['id', 'user_id', 'token_hash', 'admin', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function recordAccessTokenUse(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db.updateTable('mcp_archiver.access_token').set({ last_used_at: at }).where('id', '=', id).execute();
}
