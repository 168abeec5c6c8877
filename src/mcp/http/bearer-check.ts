import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { classifyDatabaseError, DATABASE_UNAVAILABLE_MESSAGE } from '../../db/database-errors.ts';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { createTokenVerifier, MCP_SCOPE } from '../bearer-token-verifier.ts';
import type { TokenCheckCache } from '../token-check-cache.ts';
import { jsonRpcError } from './json-rpc-error.ts';

/**
 * The bearer token, checked against the database in two steps: `outageAnswer` runs the check first and answers 503
 * with a clear message while the database is unreachable (the SDK's middleware would answer a bare 500); `tokenCheck`
 * (the SDK's middleware) then applies its 401/403 rules to that same check's result, without a second query.
 */
export function bearerChecks(db: Kysely<Database>, log: Logger, cache?: TokenCheckCache): { outageAnswer: RequestHandler; tokenCheck: RequestHandler } {
  const verifier = createTokenVerifier(db, cache ? (token) => cache.check(token) : undefined);
  const pendingChecks = new Map<string, Promise<AuthInfo>>();
  const tokenCheck = requireBearerAuth({
    verifier: { verifyAccessToken: (token) => pendingChecks.get(token) ?? verifier.verifyAccessToken(token) },
    requiredScopes: [MCP_SCOPE],
  });
  const outageAnswer: RequestHandler = async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next();
    const check = verifier.verifyAccessToken(token);
    check.catch(() => {});
    pendingChecks.set(token, check);
    const forget = () => {
      if (pendingChecks.get(token) === check) pendingChecks.delete(token);
    };
    res.on('close', forget);
    try {
      await check;
    } catch (error) {
      if (classifyDatabaseError(error) === 'outage') {
        forget();
        log.warn({ err: error }, 'MCP request refused: database unavailable');
        res.set('Retry-After', '5').status(503).json(jsonRpcError(-32000, DATABASE_UNAVAILABLE_MESSAGE));
        return;
      }
    }
    next();
  };
  return { outageAnswer, tokenCheck };
}

export function bearerToken(header: string | undefined): string | undefined {
  const [type, token] = (header ?? '').split(' ');
  return type?.toLowerCase() === 'bearer' && token ? token : undefined;
}
