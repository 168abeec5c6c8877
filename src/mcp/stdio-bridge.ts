import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.ts';
import { bounded } from './text-checks.ts';

/**
 * Relays MCP messages between a desktop client on stdin/stdout and the HTTP server at `remote`, with a bearer token:
 * the desktop holds a revocable token of one user, never the database's credentials. A request the server refuses
 * (429 with its limit, 401, an outage) is answered to the client as a JSON-RPC error with the server's message.
 */
export async function bridgeStdioToHttp(remote: URL, token: string, log: Logger): Promise<void> {
  const local = new StdioServerTransport();
  const upstream = new StreamableHTTPClientTransport(remote, { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  local.onmessage = (message: JSONRPCMessage) => {
    upstream.send(message).catch((error: unknown) => {
      log.warn({ err: error }, 'MCP bridge: the server refused a message');
      if ('id' in message && 'method' in message) {
        const text = error instanceof Error ? error.message : String(error);
        void local.send({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: bounded(text, 500) } });
      }
    });
  };
  upstream.onmessage = (message) => void local.send(message);
  upstream.onerror = (error) => log.warn({ err: error }, 'MCP bridge: upstream error');
  const closed = new Promise<void>((resolve) => {
    local.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
  });
  await upstream.start();
  await local.start();
  log.info({ remote: remote.origin + remote.pathname }, 'MCP stdio bridge relaying to the HTTP server');
  await closed;
  await upstream.close();
}
