import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logger.ts';
import { TokenCallLimiter, type TokenCallLimits } from '../../limits/token-call-limiter.ts';
import { bearerToken } from './bearer-check.ts';
import { jsonRpcError } from './json-rpc-error.ts';

/**
 * A refusal is answered after a short pause: a client that retries at once (as a looping agent does) then costs the
 * server a few answers a second instead of hundreds, which the other tokens' calls would otherwise queue behind.
 */
const REFUSAL_DELAY_MS = 500;

/**
 * Per-token admission, before the token is looked up: too many calls in flight, or too many per minute, answer 429
 * with Retry-After and a message naming the limit, so a flood costs neither a database query nor a parse. The key
 * is a hash of the bearer string: only its holder can use up a token's budget (an invalid token gets a budget of
 * its own, and its 401 afterwards). The slot is held until the response is finished or the client left.
 */
export function callLimit(limits: TokenCallLimits, log: Logger): RequestHandler {
  const limiter = new TokenCallLimiter(limits);
  return (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next();
    const admission = limiter.admit(createHash('sha256').update(token).digest('base64url'));
    if (!admission.admitted) {
      log.warn({ limit: admission.limit }, 'MCP request refused: per-token limit');
      res.set('Retry-After', String(admission.retryAfterSeconds)).status(429);
      const answer = () => {
        if (!res.writableEnded && !res.destroyed) res.json(jsonRpcError(-32000, admission.message));
      };
      setTimeout(answer, Math.min(REFUSAL_DELAY_MS, admission.retryAfterSeconds * 1000)).unref();
      return;
    }
    res.on('close', admission.release);
    res.on('finish', admission.release);
    next();
  };
}
