import type { RequestHandler } from 'express';
import { hostRefusal } from '../../net/host-allow-list.ts';
import { jsonRpcError } from './json-rpc-error.ts';

/** Every route: a Host header outside the allow-list (a DNS-rebinding page) gets 403 before any handler runs. */
export function hostCheck(allowedHosts: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const refusal = hostRefusal(req.headers.host, allowedHosts);
    if (refusal === undefined) return next();
    res.status(403).json(jsonRpcError(-32000, refusal));
  };
}
