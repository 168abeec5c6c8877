import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { checkAccessToken, type TokenCheck } from './access-tokens.ts';
import type { Caller } from './caller.ts';

export const MCP_SCOPE = 'mcp';
/** The SDK requires an expiry on every token; tokens issued without one are checked again on every request anyway. */
const SYNTHETIC_LIFETIME_S = 3600;

/**
 * Verifies `Authorization: Bearer cat_…` against the hashed tokens (or `checkToken`, e.g. the process's token cache);
 * 401 for unknown, revoked or expired ones.
 */
export function createTokenVerifier(db: Kysely<Database>, checkToken: (token: string) => Promise<TokenCheck> = (token) => checkAccessToken(db, token)): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const check = await checkToken(token);
      if (!check.ok) throw new InvalidTokenError(check.reason);
      const nowS = Math.floor(Date.now() / 1000);
      const expiresAt = check.expiresAt ? Math.floor(check.expiresAt.getTime() / 1000) : nowS + SYNTHETIC_LIFETIME_S;
      return {
        token,
        clientId: check.tokenId,
        scopes: [MCP_SCOPE],
        expiresAt,
        extra: { userId: check.userId, admin: check.admin, tokenId: check.tokenId },
      };
    },
  };
}

const authExtra = z.object({ userId: z.uuid(), admin: z.boolean(), tokenId: z.uuid() });

/** The caller a verified request acts for. */
export function callerFromAuth(auth: AuthInfo | undefined): Caller | undefined {
  const parsed = authExtra.safeParse(auth?.extra);
  if (!parsed.success) return undefined;
  return { userId: parsed.data.userId, admin: parsed.data.admin, tokenId: parsed.data.tokenId, transport: 'http' };
}
