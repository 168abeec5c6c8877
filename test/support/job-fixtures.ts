import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import pg from 'pg';
import { archiveConversationJob, type ArchiveConversationPayload } from '../../src/jobs/archive-conversation.ts';

export interface JobsInEveryState {
  completed: string;
  failed: string[];
  retrying: string;
  active: string;
  cancelled: string;
  queued: string;
}

export function archivePayload(overrides: Partial<ArchiveConversationPayload> = {}): ArchiveConversationPayload {
  return { threadId: randomUUID(), name: 'Fixture', exportFormat: 'json', requestedBy: randomUUID(), ...overrides };
}

/** Sends one archive job the way `enqueue` does (its own singleton key), with per-job option overrides. */
export async function sendArchiveJob(
  boss: PgBoss,
  payload = archivePayload(),
  options: { retryLimit?: number; retryDelay?: number; priority?: number } = {},
): Promise<string> {
  const id = await boss.send(archiveConversationJob.queue, payload, { singletonKey: archiveConversationJob.singletonKey(payload), ...options });
  if (!id) throw new Error('send was refused');
  return id;
}

/** Fetches the oldest waiting job of the queue, which must be `id` (fixtures are built one job at a time). */
export async function fetchExactly(boss: PgBoss, queue: string, id: string): Promise<void> {
  const [job] = await boss.fetch(queue);
  if (job?.id !== id) throw new Error(`fetched ${job?.id ?? 'nothing'}, expected ${id}`);
}

let fixturePriority = 100;

/** A job that ran out of retries at once: failed, with a copy in the dead-letter queue. */
export async function failedJob(boss: PgBoss, message: string, payload = archivePayload()): Promise<string> {
  // Each one above all before it: fetched ahead of any job a test put back in the queue.
  const id = await sendArchiveJob(boss, payload, { retryLimit: 0, priority: ++fixturePriority });
  await fetchExactly(boss, archiveConversationJob.queue, id);
  await boss.fail(archiveConversationJob.queue, id, { name: 'Error', message, stack: `Error: ${message}\n    at fixture` });
  return id;
}

/**
 * Real jobs in every pg-boss state in the archive queue, made through pg-boss's own API:
 * completed, failed (×`failures`, each dead-lettered), retrying, active, cancelled, queued.
 */
export async function putJobsInEveryState(boss: PgBoss, failures = 2): Promise<JobsInEveryState> {
  const queue = archiveConversationJob.queue;
  const completed = await sendArchiveJob(boss);
  await fetchExactly(boss, queue, completed);
  await boss.complete(queue, completed, { archiveId: randomUUID(), tokens: 1234 });

  const failed: string[] = [];
  for (let i = 0; i < failures; i++) failed.push(await failedJob(boss, `export failed #${i + 1}`));

  // A long delay keeps it in `retry` for the whole test instead of becoming fetchable again.
  const retrying = await sendArchiveJob(boss, archivePayload(), { retryLimit: 3, retryDelay: 3600 });
  await fetchExactly(boss, queue, retrying);
  await boss.fail(queue, retrying, { message: 'database timeout' });

  const active = await sendArchiveJob(boss);
  await fetchExactly(boss, queue, active);

  const cancelled = await sendArchiveJob(boss);
  await boss.cancel(queue, cancelled);

  const queued = await sendArchiveJob(boss);
  return { completed, failed, retrying, active, cancelled, queued };
}

/** Every job of the service's queues, id → state: to show that an operation changed what it should and nothing else. */
export async function jobStateSnapshot(ownerUrl: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; name: string; state: string }>(`SELECT id, name, state::text AS state FROM pgboss.job ORDER BY id`);
    return new Map(rows.map((r) => [r.id, `${r.name}:${r.state}`]));
  } finally {
    await client.end();
  }
}

/** What changed between two snapshots: ids added, removed, or with another state. */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): Record<string, string> {
  const diff: Record<string, string> = {};
  for (const [id, state] of before) {
    if (!after.has(id)) diff[id] = `${state} -> gone`;
    else if (after.get(id) !== state) diff[id] = `${state} -> ${after.get(id)!.split(':')[1]}`;
  }
  for (const [id, state] of after) if (!before.has(id)) diff[id] = `new ${state}`;
  return diff;
}
