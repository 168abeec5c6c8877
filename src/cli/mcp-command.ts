import { once } from 'node:events';
import { openDatabaseTarget, type DatabaseTarget } from '../db/database-target.ts';
import { createLogger, logDestination } from '../logger.ts';
import { McpDisabledError, openMcpRuntime, startMcpHttpService } from '../mcp/mcp-runtime.ts';
import { bridgeStdioToHttp } from '../mcp/stdio-bridge.ts';
import { serveStdio } from '../mcp/stdio-transport.ts';
import { CliError, type Command } from './command.ts';
import { parseOptions } from './parse-options.ts';

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'the MCP server: Streamable HTTP on HOST:PORT/mcp (bearer tokens), or --stdio for one local user',
  usage: [
    'Usage: chat-archiver mcp [--stdio [--remote http://host:8787/mcp]]',
    '',
    'Without options: serves MCP over Streamable HTTP at http://HOST:PORT/mcp (default 127.0.0.1:8787). Every request',
    'needs "Authorization: Bearer <token>" (see `chat-archiver token create`).',
    '--stdio: serves the user MCP_ARCHIVER_USER_ID over stdin/stdout, as an MCP client launches it; logs go to stderr.',
    '--stdio --remote URL: relays stdin/stdout to the HTTP server at URL with the bearer token MCP_ARCHIVER_TOKEN; needs',
    'no database settings (the recommended desktop configuration).',
    'Refuses to start when MCP_SERVER_ENABLED=false.',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values } = parseOptions(args, { stdio: { type: 'boolean' }, remote: { type: 'string' } });
    const cfg = config();
    if (values.remote !== undefined) return bridge(values.remote, values.stdio === true, cfg.mcp.bridgeToken, cfg.logLevel);
    if (!cfg.mcp.enabled) throw new CliError(new McpDisabledError().message);
    if (values.stdio && !cfg.mcp.stdioUserId) {
      throw new CliError('MCP_ARCHIVER_USER_ID is not set: on stdio the server acts for that user (a uuid from the app\'s "user" table)');
    }
    const log = createLogger(cfg.logLevel, logDestination(cfg.logFormat));
    // The server only ever connects as the service role: MCP_DATABASE_URL alone is enough (no owner URL, no
    // embedded database), which is what an MCP client's configuration should hold.
    const target: Pick<DatabaseTarget, 'serviceUrl' | 'close' | 'linkSecret'> =
      cfg.serviceRole.url && !cfg.databaseUrl
        ? { serviceUrl: cfg.serviceRole.url, close: async () => {} }
        : await openDatabaseTarget(cfg, { mode: 'attach' });
    try {
      if (values.stdio) {
        const runtime = await openMcpRuntime(cfg, target.serviceUrl, log, undefined, linkExtras(target));
        try {
          await Promise.race([serveStdio(runtime.deps, cfg.mcp.stdioUserId!, cfg.mcp.serverName), stopSignal()]);
        } finally {
          await runtime.close();
        }
        return 0;
      }
      const service = await startMcpHttpService(cfg, target.serviceUrl, log, undefined, linkExtras(target));
      stdout.write(`MCP server listening on ${service.url}; health and metrics on ${service.url.replace(/\/mcp$/, '')}/metrics\n`);
      await stopSignal();
      await service.stop();
      return 0;
    } finally {
      await target.close();
    }
  },
};

function linkExtras(target: Pick<DatabaseTarget, 'linkSecret'>) {
  return target.linkSecret ? { linkSecret: target.linkSecret } : {};
}

function stopSignal(): Promise<unknown> {
  return Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
}

async function bridge(remote: string, stdio: boolean, token: string | undefined, logLevel: Parameters<typeof createLogger>[0]): Promise<number> {
  if (!stdio) throw new CliError('--remote relays an MCP client on stdio: use it with --stdio', 2);
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    throw new CliError(`--remote expects the HTTP server's MCP URL such as http://127.0.0.1:8787/mcp, got "${remote}"`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--remote expects an http:// or https:// URL, got "${remote}"`, 2);
  if (!token) throw new CliError('MCP_ARCHIVER_TOKEN is not set: the bridge sends this bearer token (see `chat-archiver token create`)', 2);
  await Promise.race([bridgeStdioToHttp(url, token, createLogger(logLevel)), stopSignal()]);
  return 0;
}
