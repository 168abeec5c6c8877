import { once } from 'node:events';
import { openDatabaseTarget } from '../db/database-target.ts';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';
import { CliError, type Command } from './command.ts';
import { parseOptions } from './parse-options.ts';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'serve the pg-boss dashboard (read-only, 127.0.0.1 unless basic auth is configured)',
  usage: [
    'Usage: chat-archiver dashboard [--host HOST] [--port PORT] [--read-write]',
    '',
    'Serves @pg-boss/dashboard for the service\'s job queues (overview, queues, jobs, schedules) until Ctrl-C,',
    'and the report pages /reports/latest, /reports/<analysisId> and /reports/usage (docs/OPERATIONS.md).',
    'Defaults: DASHBOARD_HOST (127.0.0.1), DASHBOARD_PORT (8789). Read-only: every request that is not a GET is refused.',
    'Any address other than loopback requires DASHBOARD_USER and DASHBOARD_PASSWORD (basic auth; put TLS in front).',
    '--read-write lets the dashboard retry, cancel and delete jobs; it requires basic auth too.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values } = parseOptions(args, { host: { type: 'string' }, port: { type: 'string' }, 'read-write': { type: 'boolean' } });
    const cfg = config();
    const host = values.host ?? cfg.ops.dashboard.host;
    const port = values.port === undefined ? cfg.ops.dashboard.port : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port expects a port number, got "${values.port}"`, 2);
    // Loaded here, not at the top: the dashboard brings React and its router, which no other command needs.
    const { startDashboard, dashboardRefusal } = await import('../ops/dashboard-server.ts');
    const auth = cfg.ops.dashboard.auth;
    const readOnly = values['read-write'] !== true;
    const refusal = dashboardRefusal({ host, readOnly, ...(auth ? { auth } : {}) });
    if (refusal) throw new CliError(refusal, 2);
    const target = await openDatabaseTarget(cfg, { mode: 'attach' });
    const { createDb } = await import('../db/connect.ts');
    const { createReportRoutes } = await import('../ops/report-routes.ts');
    const reportsDb = createDb(target.serviceUrl, { max: 2, applicationName: 'chat-archiver:reports' });
    const closeAll = async () => {
      await reportsDb.destroy();
      await target.close();
    };
    let dashboard;
    try {
      dashboard = await startDashboard({
        databaseUrl: target.serviceUrl,
        schema: PGBOSS_SCHEMA,
        host,
        port,
        ...(auth ? { auth } : {}),
        readOnly,
        extraHosts: cfg.mcp.allowedHosts,
        reports: createReportRoutes({ db: reportsDb, listenHost: host, timeZone: cfg.patterns.timeZone, ...(auth ? { auth } : {}) }),
      });
    } catch (error) {
      await closeAll();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError(`port ${port} on ${host} is already in use: set DASHBOARD_PORT or --port`);
      throw error;
    }
    stdout.write(
      `dashboard: ${dashboard.url} (${readOnly ? 'read-only' : 'read-write'}${auth ? ', basic auth' : ''}) for ${target.description} — Ctrl-C to stop\n`,
    );
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await dashboard.close();
    await closeAll();
    stdout.write('dashboard stopped\n');
    return 0;
  },
};
