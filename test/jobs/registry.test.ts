import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { createBoss } from '../../src/jobs/boss.ts';
import { enqueue, ensureQueues, jobDefinitions } from '../../src/jobs/registry.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('queue registry (as the service role)', () => {
  let db: TestDatabase;
  let boss: PgBoss;
  beforeAll(async () => {
    db = await createTestDatabase();
    boss = createBoss(db.serviceUrl, { instanceName: 'test' });
    await boss.start();
    await ensureQueues(boss);
    await ensureQueues(boss); // idempotent
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await db.drop();
  });

  it('names every dead-letter queue after its queue', () => {
    expect(jobDefinitions.map((def) => def.deadLetterQueue)).toEqual(jobDefinitions.map((def) => `${def.queue}-dead-letter`));
    expect(new Set(jobDefinitions.map((def) => def.queue)).size).toBe(jobDefinitions.length);
  });

  it('creates every queue with its policy, retries, expiry and dead-letter queue', async () => {
    for (const def of jobDefinitions) {
      const queue = await boss.getQueue(def.queue);
      expect(queue).toMatchObject({
        policy: def.queueOptions.policy,
        retryLimit: def.queueOptions.retryLimit,
        retryBackoff: true,
        expireInSeconds: def.queueOptions.expireInSeconds,
        deadLetter: def.deadLetterQueue,
      });
      expect(await boss.getQueue(def.deadLetterQueue)).toBeTruthy();
    }
  });

  it('collapses the same request sent twice while queued into one job', async () => {
    const payload = {
      threadId: '11111111-1111-4111-8111-111111111111',
      name: 'Dedup',
      exportFormat: 'json',
      requestedBy: '22222222-2222-4222-8222-222222222222',
    };
    const first = await enqueue(boss, archiveConversationJob, payload);
    const second = await enqueue(boss, archiveConversationJob, { ...payload });
    expect(first.deduplicated).toBe(false);
    expect(second).toEqual({ jobId: first.jobId, deduplicated: true });
    const other = await enqueue(boss, archiveConversationJob, { ...payload, exportFormat: 'pdf' });
    expect(other.jobId).not.toBe(first.jobId);
  });

  it('rejects a payload that does not parse, sending nothing', async () => {
    await expect(enqueue(boss, archiveConversationJob, { threadId: 'nope', name: '', exportFormat: 'doc' })).rejects.toThrow();
  });
});
