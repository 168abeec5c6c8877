// The floor of enqueueing: `clients` loops calling pg-boss's `send()` directly, with the payload and singleton key
// `archive_conversation` sends and the MCP server's pool size, on the same database (no HTTP, no MCP, no token check,
// no ownership check, no audit).
import { performance } from 'node:perf_hooks';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { createBoss } from '../../src/jobs/boss.ts';
import type { BenchUser } from './mcp-clients.ts';

export async function rawSendLoops(
  serviceUrl: string,
  users: readonly BenchUser[],
  clients: number,
  callsPerClient: number,
  /** Starts every archive name, so that rounds on one database do not repeat names (deduplication). */
  label = 'raw',
): Promise<{ latencies: number[]; callsPerSecond: number }> {
  const boss = createBoss(serviceUrl, { instanceName: 'bench-raw-send', max: 10 });
  await boss.start();
  try {
    let n = 0;
    const send = async (user: BenchUser): Promise<number> => {
      const payload = { threadId: user.threadIds[n % user.threadIds.length]!, name: `${label} ${n++}`, exportFormat: 'json' as const, requestedBy: user.userId };
      const started = performance.now();
      const id = await boss.send(archiveConversationJob.queue, payload, { singletonKey: archiveConversationJob.singletonKey(payload) });
      const ms = performance.now() - started;
      if (!id) throw new Error('raw send: a job was deduplicated (names are unique, so it should not be)');
      return ms;
    };
    for (let i = 0; i < 3; i++) await send(users[0]!);
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < callsPerClient; i++) latencies.push(await send(users[c % users.length]!));
      }),
    );
    return { latencies, callsPerSecond: latencies.length / ((performance.now() - started) / 1000) };
  } finally {
    await boss.stop({ graceful: false });
  }
}
