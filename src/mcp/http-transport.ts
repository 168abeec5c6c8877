import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Config } from '../config.ts';
import { allowedHostnames as allowedHostnamesFor } from '../net/host-allow-list.ts';
import { createArchiverServer } from './archiver-server.ts';
import { callerFromAuth } from './bearer-token-verifier.ts';
import { bearerChecks } from './http/bearer-check.ts';
import { bodyLimit } from './http/body-limit.ts';
import { callLimit } from './http/call-limit.ts';
import { hostCheck } from './http/host-check.ts';
import { jsonRpcError } from './http/json-rpc-error.ts';
import { originCheck } from './http/origin-check.ts';
import type { McpDependencies } from './mcp-dependencies.ts';

export const MCP_PATH = '/mcp';

export interface HttpAppOptions {
  deps: McpDependencies;
  serverName: string;
  /** Host header names accepted on every route (DNS-rebinding protection); see allowedHostnames(). */
  allowedHosts: string[];
  /** Browser origins accepted besides those whose host is an allowed host. */
  allowedOrigins: string[];
}

/** The MCP server's Host allow-list: loopback, MCP_ALLOWED_HOSTS, and HOST when it is a specific address. */
export function allowedHostnames(mcp: Config['mcp']): string[] {
  return allowedHostnamesFor(mcp.host, mcp.allowedHosts);
}

/**
 * The MCP endpoint as a reusable express app: POST /mcp (stateless Streamable HTTP, a new server and transport per
 * request, bearer token required); GET and DELETE /mcp answer 405. The Host check applies to every route, also those
 * mounted on the returned app afterwards (health, metrics); Origin, token, limits and body rules to /mcp.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { deps } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use(hostCheck(options.allowedHosts));
  const origin = originCheck(options.allowedHosts, options.allowedOrigins);
  const { outageAnswer, tokenCheck } = bearerChecks(deps.db, deps.log, deps.tokenChecks);
  // Limits first (no query for a refused flood), then the token, then the body: an unauthenticated client cannot make
  // the server parse anything.
  app.post(MCP_PATH, logRefusals(deps), origin, callLimit(deps.limits, deps.log), outageAnswer, tokenCheck, ...bodyLimit(), serveMcp(options));
  app.get(MCP_PATH, origin, methodNotAllowed);
  app.delete(MCP_PATH, origin, methodNotAllowed);
  app.use(answerErrors(deps));
  return app;
}

function serveMcp({ deps, serverName }: HttpAppOptions): RequestHandler {
  return async (req, res) => {
    const caller = callerFromAuth(req.auth);
    if (!caller) {
      res.status(401).json({ error: 'invalid_token', error_description: 'token carries no user' });
      return;
    }
    const server = createArchiverServer(deps, caller, { name: serverName });
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
  };
}

/** Refused requests never reach a tool, so they are logged here (the reason, never the token). */
function logRefusals(deps: McpDependencies): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      if (res.statusCode === 401 || res.statusCode === 403) {
        deps.log.warn({ status: res.statusCode, ip: req.ip, reason: res.getHeader('www-authenticate') ?? null }, 'MCP request refused');
      }
    });
    next();
  };
}

const methodNotAllowed: RequestHandler = (_req, res) => {
  res.set('Allow', 'POST').status(405).json(jsonRpcError(-32000, 'method not allowed: this server is stateless, send POST'));
};

function answerErrors(deps: McpDependencies): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') return void res.status(400).json(jsonRpcError(-32700, 'parse error: the body is not valid JSON'));
    if (type === 'entity.too.large') return void res.status(413).json(jsonRpcError(-32600, 'request body too large'));
    deps.log.error({ err: error }, 'HTTP request failed');
    res.status(500).json(jsonRpcError(-32603, 'internal server error'));
  };
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
