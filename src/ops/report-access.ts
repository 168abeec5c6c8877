import type { IncomingMessage } from 'node:http';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { checkAccessToken } from '../mcp/access-tokens.ts';
import { basicAuthorized, basicCredentials } from './basic-auth.ts';
import { isLoopbackHost } from './loopback-host.ts';

export interface ReportAccessOptions {
  /** The service role's pool: admin bearer tokens are checked against it. */
  db: Kysely<Database>;
  /** The address the server listens on: loopback serves without credentials, as the dashboard does. */
  listenHost: string;
  /** DASHBOARD_USER / DASHBOARD_PASSWORD, when configured. */
  auth?: { user: string; password: string };
}

export type ReportAccess = { allowed: true } | { allowed: false; status: 401 | 403; message: string; challenge?: string };

/**
 * The dashboard's rules for the report pages: an admin bearer token is always enough; basic auth with the dashboard's
 * credentials when they are configured; without credentials, only on a loopback listener with no basic auth configured.
 */
export function createReportAccess(options: ReportAccessOptions): (req: IncomingMessage) => Promise<ReportAccess> {
  const expected = options.auth && basicCredentials(options.auth);
  const openWithoutCredentials = isLoopbackHost(options.listenHost) && !expected;
  const challenge = expected ? 'Basic realm="chat-archiver reports", charset="UTF-8"' : 'Bearer realm="chat-archiver reports"';
  const refused = (status: 401 | 403, message: string): ReportAccess => ({ allowed: false, status, message, ...(status === 401 ? { challenge } : {}) });
  return async (req) => {
    const header = req.headers.authorization;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (bearer !== undefined) {
      const check = await checkAccessToken(options.db, bearer);
      if (!check.ok) return refused(401, check.reason);
      return check.admin ? { allowed: true } : refused(403, 'the report pages need an admin token');
    }
    if (expected && basicAuthorized(header, expected)) return { allowed: true };
    if (openWithoutCredentials) return { allowed: true };
    return refused(401, expected ? 'authentication required: basic auth or an admin bearer token' : 'authentication required: an admin bearer token (or set DASHBOARD_USER and DASHBOARD_PASSWORD)');
  };
}
