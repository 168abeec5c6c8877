import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import {
  accessTokenByHash,
  insertAccessToken,
  markAccessTokenRevoked,
  recordAccessTokenUse,
  selectAccessTokens,
  type AccessTokenRow,
} from '../sql/access-tokens.ts';
import { hostUserExists } from '../sql/users.ts';

/** Recognisable in logs, configs and secret scanners: `cat_` + 32 random bytes, base64url. */
export const TOKEN_PREFIX = 'cat_';
const TOKEN_PATTERN = /^cat_[A-Za-z0-9_-]{43}$/;
/** last_used_at is refreshed at most this often, so a busy client does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface AccessTokenInfo {
  id: string;
  userId: string;
  name: string;
  admin: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type TokenCheck =
  | { ok: true; tokenId: string; userId: string; admin: boolean; expiresAt: Date | null }
  | { ok: false; reason: 'unknown token' | 'token revoked' | 'token expired' };

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Issues a token for an existing user (run as the owner: the service role cannot insert tokens).
 * The token is returned once and only its hash is stored.
 */
export async function issueAccessToken(
  ownerDb: Kysely<Database>,
  input: { userId: string; name: string; admin: boolean; expiresAt: Date | null },
): Promise<{ token: string; info: AccessTokenInfo }> {
  if (!(await hostUserExists(ownerDb, input.userId))) throw new UnknownUserError(input.userId);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await insertAccessToken(ownerDb, { ...input, tokenHash: hashToken(token) });
  return { token, info: toInfo(row) };
}

export class UnknownUserError extends Error {
  override readonly name = 'UnknownUserError';
  constructor(userId: string) {
    super(`no user with id ${userId} in this database`);
  }
}

export async function listAccessTokens(ownerDb: Kysely<Database>, filter: { userId?: string } = {}): Promise<AccessTokenInfo[]> {
  return (await selectAccessTokens(ownerDb, filter)).map(toInfo);
}

/** Revokes a token at once; revoking twice keeps the first revocation time. */
export async function revokeAccessToken(ownerDb: Kysely<Database>, id: string): Promise<AccessTokenInfo | undefined> {
  const row = await markAccessTokenRevoked(ownerDb, id);
  return row ? toInfo(row) : undefined;
}

/** Checks a presented bearer token (as the service role). Malformed tokens never reach the database. */
export async function checkAccessToken(db: Kysely<Database>, token: string, now = new Date()): Promise<TokenCheck> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'unknown token' };
  const presented = hashToken(token);
  return actingAs(db, { system: true }, async (trx) => {
    const row = await accessTokenByHash(trx, presented);
    // The lookup is by hash; the constant-time comparison makes sure no timing differences leak past it.
    if (!row || row.token_hash.length !== presented.length || !timingSafeEqual(row.token_hash, presented)) {
      return { ok: false, reason: 'unknown token' };
    }
    if (row.revoked_at) return { ok: false, reason: 'token revoked' };
    if (row.expires_at && row.expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'token expired' };
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await recordAccessTokenUse(trx, row.id, now);
    }
    return { ok: true, tokenId: row.id, userId: row.user_id, admin: row.admin, expiresAt: row.expires_at };
  });
}

function toInfo(row: AccessTokenRow): AccessTokenInfo {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    admin: row.admin,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}
