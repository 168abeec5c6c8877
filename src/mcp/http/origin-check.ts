import type { RequestHandler } from 'express';
import { jsonRpcError } from './json-rpc-error.ts';

/**
 * Browsers send Origin on cross-site requests: one that is neither an allowed host nor an allowed origin is refused,
 * so a web page cannot drive the server through a user's browser. Non-browser clients send no Origin.
 */
export function originCheck(allowedHosts: readonly string[], allowedOrigins: readonly string[]): RequestHandler {
  const origins = new Set(allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    let hostname: string | undefined;
    try {
      hostname = new URL(origin).hostname.toLowerCase();
    } catch {
      hostname = undefined;
    }
    if (origins.has(origin.toLowerCase()) || (hostname !== undefined && allowedHosts.includes(hostname))) return next();
    res.status(403).json(jsonRpcError(-32000, 'origin not allowed'));
  };
}
