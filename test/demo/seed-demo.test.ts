import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/connect.ts';
import { DemoGenerator } from '../../src/demo/demo-data.ts';
import { ensureHostSchema, seedDemoData } from '../../src/demo/seed-demo.ts';
import { runCli } from '../support/run-cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const options = { users: 3, threadsPerUser: 6, messagesPerThread: 10, seed: 7, days: 30, until: new Date('2026-02-01T00:00:00Z') };

async function fingerprint(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ row: string }>`
    SELECT concat_ws('|', m.id, m.thread_id, m.role, array_to_json(m.parts)::text, m.metadata::text, m.created_at::text, t.title, t.user_id) AS row
    FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id ORDER BY m.id`.execute(db);
  return createHash('sha256').update(rows.map((r) => r.row).join('\n')).digest('hex');
}

describe('demo data', () => {
  const databases: TestDatabase[] = [];
  const dbs: Array<Kysely<unknown>> = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const t = await createTestDatabase({ empty: true });
      databases.push(t);
      const db = createDb(t.ownerUrl, { max: 2 }) as Kysely<unknown>;
      dbs.push(db);
      await ensureHostSchema(db);
      await ensureHostSchema(db); // idempotent
      await seedDemoData(db, options);
    }
  });
  afterAll(async () => {
    for (const db of dbs) await db.destroy();
    for (const t of databases) await t.drop();
  });

  it('writes the requested sizes', async () => {
    const { rows } = await sql<{ users: number; threads: number; messages: number }>`
      SELECT (SELECT count(*)::int FROM "user") AS users, (SELECT count(*)::int FROM chat_thread) AS threads,
             (SELECT count(*)::int FROM chat_message) AS messages`.execute(dbs[0]!);
    expect(rows[0]).toEqual({ users: 3, threads: 18, messages: 180 });
  });

  it('is deterministic: the same options give the same rows', async () => {
    expect(await fingerprint(dbs[0]!)).toBe(await fingerprint(dbs[1]!));
  });

  it('covers the part shapes of real better-chatbot data', async () => {
    const { rows } = await sql<{ type: string; n: number }>`
      SELECT p->>'type' AS type, count(*)::int AS n FROM chat_message, unnest(parts) AS p GROUP BY 1`.execute(dbs[0]!);
    const types = new Set(rows.map((r) => r.type));
    for (const type of ['text', 'step-start', 'reasoning', 'file', 'source-url', 'tool-invocation', 'tool-webSearch', 'tool-github_search_issues']) {
      expect(types, type).toContain(type);
    }
    const { rows: flags } = await sql<{ previews: number; errors: number; usage: number; fr: number; code: number }>`
      SELECT count(*) FILTER (WHERE (p->>'ingestionPreview')::boolean)::int AS previews,
             count(*) FILTER (WHERE p->>'state' = 'output-error')::int AS errors,
             (SELECT count(*)::int FROM chat_message WHERE metadata->'usage'->>'inputTokens' IS NOT NULL) AS usage,
             count(*) FILTER (WHERE p->>'text' LIKE '%é%')::int AS fr,
             count(*) FILTER (WHERE strpos(p->>'text', '\`\`\`') > 0)::int AS code
      FROM chat_message, unnest(parts) AS p`.execute(dbs[0]!);
    expect(flags[0]!.previews).toBeGreaterThan(0);
    expect(flags[0]!.errors).toBeGreaterThan(0);
    expect(flags[0]!.usage).toBeGreaterThan(0);
    expect(flags[0]!.fr).toBeGreaterThan(0);
    expect(flags[0]!.code).toBeGreaterThan(0);
  });

  it('generates valid v4-style uuids and alternating roles', () => {
    const generator = new DemoGenerator(options);
    const user = generator.users[0]!;
    const [first] = generator.threads(user);
    expect(first!.thread.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first!.messages.map((m) => m.role).slice(0, 4)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(generator.users[0]!.role).toBe('admin');
  });

  it('is written by the CLI given only DATABASE_URL (no service role needed)', async () => {
    const target = await createTestDatabase({ empty: true });
    try {
      const result = await runCli(['demo', 'seed', '--users', '2', '--threads', '3', '--messages-per-thread', '4', '--until', '2026-03-01'], {
        DATABASE_URL: target.ownerUrl,
        LOG_LEVEL: 'silent',
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^demo data: 2 users, 6 threads, 24 messages in /);
      const again = await runCli(['demo', 'seed'], { DATABASE_URL: target.ownerUrl, LOG_LEVEL: 'silent' });
      expect(again.code).toBe(1);
    } finally {
      await target.drop();
    }
  });
});
