import { sql, type Kysely } from 'kysely';
import { DemoGenerator, type DemoMessage, type DemoOptions, type DemoThread } from './demo-data.ts';
import { HOST_SCHEMA_SQL } from './host-schema.ts';
import { buildDemoLibrary, type DemoLibrary } from './demo-library.ts';

export interface SeedResult {
  users: number;
  threads: number;
  messages: number;
  durationMs: number;
}

export const DEFAULT_DEMO_OPTIONS: Omit<DemoOptions, 'until'> = {
  users: 5,
  threadsPerUser: 8,
  messagesPerThread: 12,
  seed: 42,
  days: 60,
};

/** Creates the host schema when it is missing (idempotent DDL). */
export async function ensureHostSchema(db: Kysely<unknown>): Promise<void> {
  await sql.raw(HOST_SCHEMA_SQL).execute(db);
}

export async function hasHostUsers(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`SELECT EXISTS (SELECT 1 FROM "user") AS found`.execute(db);
  return rows[0]?.found === true;
}

/**
 * Writes deterministic demo data. Messages go in batches through `unnest` of parallel arrays: one statement per
 * few thousand rows, so a million messages take minutes, not hours.
 */
export async function seedDemoData(
  db: Kysely<unknown>,
  options: DemoOptions,
  onProgress?: (done: { threads: number; messages: number }) => void,
): Promise<SeedResult> {
  const started = Date.now();
  const generator = new DemoGenerator(options);
  await db.transaction().execute(async (trx) => {
    for (const u of generator.users) {
      await sql`INSERT INTO "user" (id, name, email, email_verified, role, created_at, updated_at)
                VALUES (${u.id}, ${u.name}, ${u.email}, true, ${u.role}, ${u.createdAt}, ${u.createdAt})`.execute(trx);
      await sql`INSERT INTO account (account_id, provider_id, user_id, password)
                VALUES (${u.id}, 'credential', ${u.id}, ${`$scrypt$demo$${u.id.slice(0, 8)}`})`.execute(trx);
      await sql`INSERT INTO session (expires_at, token, user_id, ip_address, user_agent)
                VALUES (${new Date(options.until.getTime() + 7 * 86_400_000)}, ${`demo-session-${u.id}`}, ${u.id}, '127.0.0.1', 'demo')`.execute(trx);
    }
    for (const s of generator.mcpServers) {
      await sql`INSERT INTO mcp_server (id, name, config, user_id)
                VALUES (${s.id}, ${s.name}, ${JSON.stringify(s.config)}, ${s.userId})`.execute(trx);
    }
    await insertLibrary(trx, buildDemoLibrary(options.seed, generator.users, generator.agents, generator.mcpServers));
  });

  let threads: DemoThread[] = [];
  let messages: DemoMessage[] = [];
  let threadCount = 0;
  let messageCount = 0;
  const flush = async () => {
    if (threads.length === 0 && messages.length === 0) return;
    await insertThreads(db, threads);
    await insertMessages(db, messages);
    threadCount += threads.length;
    messageCount += messages.length;
    threads = [];
    messages = [];
    onProgress?.({ threads: threadCount, messages: messageCount });
  };
  for (const user of generator.users) {
    for (const { thread, messages: threadMessages } of generator.threads(user)) {
      threads.push(thread);
      messages.push(...threadMessages);
      if (messages.length >= 5000) await flush();
    }
  }
  await flush();
  return { users: generator.users.length, threads: threadCount, messages: messageCount, durationMs: Date.now() - started };
}

async function insertLibrary(db: Kysely<unknown>, library: DemoLibrary): Promise<void> {
  for (const a of library.agents) {
    await sql`INSERT INTO agent (id, name, description, user_id, icon, instructions, visibility)
              VALUES (${a.id}, ${a.name}, ${a.description}, ${a.userId}, ${JSON.stringify(a.icon)},
                      ${JSON.stringify(a.instructions)}, ${a.visibility})`.execute(db);
  }
  for (const w of library.workflows) {
    await sql`INSERT INTO workflow (id, name, description, icon, is_published, visibility, user_id)
              VALUES (${w.id}, ${w.name}, ${w.description}, ${JSON.stringify(w.icon)}, ${w.isPublished}, ${w.visibility}, ${w.userId})`.execute(db);
    for (const n of w.nodes) {
      await sql`INSERT INTO workflow_node (id, workflow_id, kind, name, description, node_config, ui_config)
                VALUES (${n.id}, ${w.id}, ${n.kind}, ${n.name}, ${n.description}, ${JSON.stringify(n.nodeConfig)}, ${JSON.stringify(n.uiConfig)})`.execute(db);
    }
    for (const e of w.edges) {
      await sql`INSERT INTO workflow_edge (id, workflow_id, source, target, ui_config)
                VALUES (${e.id}, ${w.id}, ${e.source}, ${e.target}, ${JSON.stringify(e.uiConfig)})`.execute(db);
    }
  }
}

async function insertThreads(db: Kysely<unknown>, threads: DemoThread[]): Promise<void> {
  if (threads.length === 0) return;
  await sql`
    INSERT INTO chat_thread (id, title, user_id, created_at)
    SELECT t.id, t.title, t.user_id, t.created_at AT TIME ZONE 'UTC'
    FROM unnest(${threads.map((t) => t.id)}::uuid[], ${threads.map((t) => t.title)}::text[],
                ${threads.map((t) => t.userId)}::uuid[], ${threads.map((t) => t.createdAt.toISOString())}::timestamptz[])
         AS t(id, title, user_id, created_at)`.execute(db);
}

async function insertMessages(db: Kysely<unknown>, messages: DemoMessage[]): Promise<void> {
  if (messages.length === 0) return;
  // `parts` is json[]: each row's parts travel as one JSON array text and are split back into elements.
  await sql`
    INSERT INTO chat_message (id, thread_id, role, parts, metadata, created_at)
    SELECT m.id, m.thread_id, m.role,
           CASE WHEN m.parts IS NULL THEN NULL ELSE ARRAY(SELECT json_array_elements(m.parts::json)) END,
           m.metadata::json, m.created_at AT TIME ZONE 'UTC'
    FROM unnest(${messages.map((m) => m.id)}::text[], ${messages.map((m) => m.threadId)}::uuid[],
                ${messages.map((m) => m.role)}::text[], ${messages.map((m) => (m.parts ? JSON.stringify(m.parts) : null))}::text[],
                ${messages.map((m) => (m.metadata ? JSON.stringify(m.metadata) : null))}::text[],
                ${messages.map((m) => m.createdAt.toISOString())}::timestamptz[])
         AS m(id, thread_id, role, parts, metadata, created_at)`.execute(db);
}
