import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Config } from '../config.ts';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/database-unavailable.ts';
import { createArchiverServer } from './archiver-server.ts';
import { callerFromAuth, createTokenVerifier, MCP_SCOPE } from './bearer-token-verifier.ts';
import type { McpDependencies } from './mcp-dependencies.ts';

export const MCP_PATH = '/mcp';
const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', ''];
/** The largest JSON-RPC body accepted: tool arguments are a few kilobytes at most (names 255, queries 500 characters). */
const MAX_BODY = '1mb';

export interface HttpAppOptions {
  deps: McpDependencies;
  serverName: string;
  /** Host header names accepted on /mcp (DNS-rebinding protection); see allowedHostnames(). */
  allowedHosts: string[];
  /** Browser origins accepted besides those whose host is an allowed host. */
  allowedOrigins: string[];
}

/** Loopback names, the configured extra names, and the listen address itself when it is a specific one. */
export function allowedHostnames(mcp: Config['mcp']): string[] {
  const names = [...LOOPBACK_HOSTNAMES, ...mcp.allowedHosts];
  if (!WILDCARD_HOSTS.includes(mcp.host)) names.push(mcp.host.includes(':') && !mcp.host.startsWith('[') ? `[${mcp.host}]` : mcp.host);
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/**
 * The MCP endpoint as a reusable express app: POST /mcp (stateless Streamable HTTP, a new server and transport per
 * request, bearer token required); GET and DELETE /mcp answer 405. Other routes (health, metrics) can be mounted on
 * the returned app: the Host/Origin checks and the token apply to /mcp only.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { deps } = options;
  const app = express();
  app.disable('x-powered-by');
  const guard = [
    hostHeaderValidation(options.allowedHosts),
    originValidation(options.allowedHosts, options.allowedOrigins),
  ];
  // The token is checked against the database: while it is unreachable the SDK's middleware would answer a bare 500.
  // So the check runs first here, answers 503 with a clear message on an outage, and hands its result to the
  // middleware, which then applies its usual 401/403 rules without a second query.
  const verifier = createTokenVerifier(deps.db);
  const pendingChecks = new Map<string, ReturnType<typeof verifier.verifyAccessToken>>();
  const auth = requireBearerAuth({
    verifier: { verifyAccessToken: (token) => pendingChecks.get(token) ?? verifier.verifyAccessToken(token) },
    requiredScopes: [MCP_SCOPE],
  });
  const answerOutage: RequestHandler = async (req, res, next) => {
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
      if (isDatabaseUnavailable(error)) {
        forget();
        deps.log.warn({ err: error }, 'MCP request refused: database unavailable');
        res.set('Retry-After', '5').status(503).json(jsonRpcError(-32000, DATABASE_UNAVAILABLE_MESSAGE));
        return;
      }
    }
    next();
  };

  // Refused requests never reach a tool, so they are logged here (the reason, never the token).
  const logRefusals: RequestHandler = (req, res, next) => {
    res.on('finish', () => {
      if (res.statusCode === 401 || res.statusCode === 403) {
        deps.log.warn({ status: res.statusCode, ip: req.ip, reason: res.getHeader('www-authenticate') ?? null }, 'MCP request refused');
      }
    });
    next();
  };

  // The token is checked before the body is read: an unauthenticated client cannot make the server parse anything.
  app.post(MCP_PATH, logRefusals, ...guard, answerOutage, auth, express.json({ limit: MAX_BODY }), async (req, res) => {
    const caller = callerFromAuth(req.auth);
    if (!caller) {
      res.status(401).json({ error: 'invalid_token', error_description: 'token carries no user' });
      return;
    }
    const server = createArchiverServer(deps, caller, { name: options.serverName });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      deps.log.error({ err: error, userId: caller.userId }, 'MCP request failed');
      if (!res.headersSent) res.status(500).json(jsonRpcError(-32603, 'internal server error'));
    }
  });

  const methodNotAllowed: RequestHandler = (_req, res) => {
    res.set('Allow', 'POST').status(405).json(jsonRpcError(-32000, 'method not allowed: this server is stateless, send POST'));
  };
  app.get(MCP_PATH, ...guard, methodNotAllowed);
  app.delete(MCP_PATH, ...guard, methodNotAllowed);

  const errors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') return void res.status(400).json(jsonRpcError(-32700, 'parse error: the body is not valid JSON'));
    if (type === 'entity.too.large') return void res.status(413).json(jsonRpcError(-32600, 'request body too large'));
    deps.log.error({ err: error }, 'HTTP request failed');
    res.status(500).json(jsonRpcError(-32603, 'internal server error'));
  };
  app.use(errors);
  return app;
}

/**
 * Browsers send Origin on cross-site requests: one that is neither an allowed host nor an allowed origin is refused,
 * so a web page cannot drive the server through a user's browser. Non-browser clients send no Origin.
 */
function originValidation(allowedHosts: string[], allowedOrigins: string[]): RequestHandler {
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

function bearerToken(header: string | undefined): string | undefined {
  const [type, token] = (header ?? '').split(' ');
  return type?.toLowerCase() === 'bearer' && token ? token : undefined;
}

function jsonRpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

export interface ListeningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function listen(app: Express, host: string, port: number): Promise<ListeningServer> {
  const server = app.listen(port, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}${MCP_PATH}`,
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
