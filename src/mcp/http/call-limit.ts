import type { RequestHandler } from 'express';
import type { Logger } from '../../logger.ts';
import { TokenCallLimiter, type TokenCallLimits } from '../../limits/token-call-limiter.ts';
import { jsonRpcError } from './json-rpc-error.ts';

/**
 * Per-token admission after the token check: too many calls in flight, or too many per minute, answer 429 with
 * Retry-After and a message naming the limit. The slot is held until the response is finished or the client left.
 */
export function callLimit(limits: TokenCallLimits, log: Logger): RequestHandler {
  const limiter = new TokenCallLimiter(limits);
  return (req, res, next) => {
    const key = req.auth?.clientId ?? req.auth?.token ?? 'anonymous';
    const admission = limiter.admit(key);
    if (!admission.admitted) {
      log.warn({ tokenId: req.auth?.clientId, limit: admission.limit }, 'MCP request refused: per-token limit');
      res.set('Retry-After', String(admission.retryAfterSeconds)).status(429).json(jsonRpcError(-32000, admission.message));
      return;
    }
    res.on('close', admission.release);
    res.on('finish', admission.release);
    next();
  };
}
