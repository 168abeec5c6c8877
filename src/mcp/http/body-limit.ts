import express, { type RequestHandler } from 'express';
import { jsonRpcError } from './json-rpc-error.ts';

/** The largest JSON-RPC body accepted: tool arguments are a few kilobytes at most (names 255, queries 500 characters). */
const MAX_BODY = '1mb';

/**
 * The body, read only after the token check: at most MAX_BODY of JSON (413 beyond, 400 when not JSON), and one
 * JSON-RPC message per request. Batches (dropped from MCP in protocol 2025-06-18) are refused: one POST holding
 * dozens of calls would bypass the per-token concurrency limit.
 */
export function bodyLimit(): RequestHandler[] {
  const oneMessage: RequestHandler = (req, res, next) => {
    if (!Array.isArray(req.body)) return next();
    res.status(400).json(jsonRpcError(-32600, 'JSON-RPC batches are not supported: send one message per request'));
  };
  return [express.json({ limit: MAX_BODY }), oneMessage];
}
