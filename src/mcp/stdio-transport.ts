import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createArchiverServer } from './archiver-server.ts';
import type { McpDependencies } from './mcp-dependencies.ts';

/**
 * Serves one local user over stdin/stdout until the client closes stdin. stdout carries only MCP messages:
 * every log line goes to stderr.
 */
export async function serveStdio(deps: McpDependencies, userId: string, serverName: string): Promise<void> {
  const server = createArchiverServer(deps, { userId, admin: false, transport: 'stdio' }, { name: serverName });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
  });
  await server.connect(transport);
  deps.log.info({ userId }, 'MCP server on stdio');
  await closed;
  await server.close();
}
