import http from 'node:http';
import type net from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createDashboardHandler } from '@pg-boss/dashboard/handler';
import { allowedHostnames, hostRefusal } from '../net/host-allow-list.ts';
import { basicAuthorized, basicCredentials } from './basic-auth.ts';
import { isLoopbackHost } from './loopback-host.ts';

export { isLoopbackHost };

export interface DashboardOptions {
  /** The service role's URL: the dashboard reads pg-boss's schema as the service does. */
  databaseUrl: string;
  schema: string;
  host: string;
  port: number;
  auth?: { user: string; password: string };
  readOnly: boolean;
  /** Host header names accepted besides loopback and `host` (MCP_ALLOWED_HOSTS): DNS-rebinding protection. */
  extraHosts: readonly string[];
  /** The report pages under /reports/ (src/ops/report-routes.ts), which check access themselves by the same rules. */
  reports?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

export class DashboardRefusedError extends Error {
  override readonly name = 'DashboardRefusedError';
}

/** Why these settings would expose the dashboard unsafely, or undefined when they are fine. */
export function dashboardRefusal(options: Pick<DashboardOptions, 'host' | 'auth' | 'readOnly'>): string | undefined {
  if (!isLoopbackHost(options.host) && !options.auth) {
    return `refusing to serve the dashboard on ${options.host} without authentication: set DASHBOARD_USER and DASHBOARD_PASSWORD, or listen on 127.0.0.1`;
  }
  if (!options.readOnly && !options.auth) {
    return 'a dashboard that can change jobs needs DASHBOARD_USER and DASHBOARD_PASSWORD, even on 127.0.0.1';
  }
  return undefined;
}

/**
 * Serves @pg-boss/dashboard on its own port. The handler itself has no authentication and relies on an Origin check
 * for its actions, so: loopback only unless basic auth is configured, and read-only unless asked otherwise (enforced
 * here for every non-GET request, and through the dashboard's own switch so its pages hide the action buttons).
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const refusal = dashboardRefusal(options);
  if (refusal) throw new DashboardRefusedError(refusal);
  // The dashboard reads this switch on every request to decide which actions its pages offer.
  process.env.PGBOSS_DASHBOARD_READ_ONLY = options.readOnly ? '1' : '0';
  const dashboard = createDashboardHandler({ databases: [{ url: options.databaseUrl, schema: options.schema, name: 'chat-archiver' }] });
  const expected = options.auth && basicCredentials(options.auth);

  const guarded = async (request: Request): Promise<Response> => {
    if (expected && !basicAuthorized(request.headers.get('authorization'), expected)) {
      return new Response('Authentication required', { status: 401, headers: { 'www-authenticate': 'Basic realm="chat-archiver dashboard", charset="UTF-8"' } });
    }
    if (options.readOnly && request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('This dashboard is read-only.', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    return dashboard(request);
  };

  const hosts = allowedHostnames(options.host, options.extraHosts);
  const listener = getRequestListener(guarded);
  const server = http.createServer((req, res) => {
    // Before anything else, also before the basic-auth check: a DNS-rebinding page gets nothing but this 403.
    const hostProblem = hostRefusal(req.headers.host, hosts);
    const path = (req.url ?? '/').split('?')[0]!;
    if (hostProblem === undefined && options.reports && (path === '/reports' || path.startsWith('/reports/'))) {
      return void options.reports(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error');
        else res.destroy();
      });
    }
    if (hostProblem === undefined) return void listener(req, res);
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end(hostProblem);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dashboard.close();
    },
  };
}
