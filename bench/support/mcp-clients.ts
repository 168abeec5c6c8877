import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';

export interface BenchUser {
  userId: string;
  threadIds: string[];
  token: string;
}

/** Every user that owns threads, with their thread ids and a fresh bearer token. */
export async function benchUsers(owner: Kysely<Database>): Promise<BenchUser[]> {
  const threads = await owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('user_id').orderBy('id').execute();
  const byUser = new Map<string, string[]>();
  for (const t of threads) byUser.set(t.user_id, [...(byUser.get(t.user_id) ?? []), t.id]);
  return Promise.all(
    [...byUser].map(async ([userId, threadIds]) => ({
      userId,
      threadIds,
      token: (await issueAccessToken(owner, { userId, name: 'bench', admin: false, expiresAt: null })).token,
    })),
  );
}

export async function connectClient(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'chat-archiver-bench', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

/** One tools/call, timed around the HTTP round trip; a tool error fails the benchmark. */
export async function timedToolCall(client: Client, name: string, args: Record<string, unknown>): Promise<{ ms: number; result: unknown }> {
  const started = performance.now();
  // Inline archives of long threads take minutes under load: far beyond the SDK's 60 s default.
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 30 * 60_000 });
  const ms = performance.now() - started;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return { ms, result: result.structuredContent };
}

/**
 * `clients` clients, each making `callsPerClient` calls in sequence, all at once; returns every call's latency and
 * the calls per second over the whole run.
 */
export async function concurrentCalls(
  clients: readonly Client[],
  callsPerClient: number,
  call: (client: Client, clientIndex: number, callIndex: number) => Promise<number>,
): Promise<{ latencies: number[]; callsPerSecond: number; seconds: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let n = 0; n < callsPerClient; n++) latencies.push(await call(client, c, n));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, callsPerSecond: latencies.length / seconds, seconds };
}
