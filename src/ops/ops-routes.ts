import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allowedHostnames, hostRefusal } from '../net/host-allow-list.ts';
import type { Readiness } from './health.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface OpsRoutesOptions {
  readiness: () => Promise<Readiness>;
  metrics?: ServiceMetrics;
  /** GET /reports/… (src/ops/report-routes.ts), when the process serves the report pages. */
  reports?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** A connect/express-style handler: unmatched requests go to `next` (express) or get a 404 (plain node:http). */
export type OpsHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * GET /healthz (the process is alive), /readyz (database and pg-boss reachable, else 503), /metrics (Prometheus),
 * and the report pages under /reports/ when `reports` is given. Mount it first in the MCP express app (`app.use(handler)`), or serve it alone with `startOpsServer`.
 */
export function createOpsHandler(options: OpsRoutesOptions): OpsHandler {
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (options.reports && (path === '/reports' || path.startsWith('/reports/'))) {
      return void options.reports(req, res).catch((error: unknown) => fail(error, req, res, next));
    }
    const route = path === '/healthz' || path === '/readyz' || (path === '/metrics' && options.metrics) ? path : undefined;
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      if (next) return next();
      return send(res, req, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    }
    respond(route, options, req, res).catch((error: unknown) => fail(error, req, res, next));
  };
}

function fail(error: unknown, req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void {
  if (next) return next(error);
  if (!res.headersSent) send(res, req, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
  else res.destroy();
}

async function respond(route: string, options: OpsRoutesOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (route === '/healthz') return send(res, req, 200, 'application/json', JSON.stringify({ status: 'ok' }));
  if (route === '/readyz') {
    const readiness = await options.readiness();
    return send(res, req, readiness.ready ? 200 : 503, 'application/json', JSON.stringify({ status: readiness.ready ? 'ready' : 'not ready', ...readiness.checks }));
  }
  const { contentType, body } = await options.metrics!.render();
  return send(res, req, 200, contentType, body);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's own small HTTP listener for health and metrics (the MCP server mounts the handler instead). Every
 * request's Host header is checked against `extraHosts` (MCP_ALLOWED_HOSTS), loopback names and the listen address.
 */
export async function startOpsServer(options: OpsRoutesOptions & { host: string; port: number; extraHosts?: readonly string[] }): Promise<OpsServer> {
  const handler = createOpsHandler(options);
  const allowed = allowedHostnames(options.host, options.extraHosts ?? []);
  const server = http.createServer((req, res) => {
    const refusal = hostRefusal(req.headers.host, allowed);
    if (refusal !== undefined) return send(res, req, 403, 'application/json', JSON.stringify({ error: refusal }));
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
