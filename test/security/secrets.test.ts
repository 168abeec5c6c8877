import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { demoUsers, errorText, ok, type DemoUser } from '../support/mcp-fixtures.ts';
import { runCli } from '../support/run-cli.ts';
import { listeningUrl, spawnService } from '../support/spawned-service.ts';
import { freePort } from '../support/test-cluster.ts';
import { useSuite } from '../support/suite.ts';
import { openTempDir } from '../support/temp-dir.ts';
import { createTestDatabase } from '../support/test-database.ts';
import { eventually } from '../support/eventually.ts';

const ACCESS_TOKENS_SOURCE = path.resolve(import.meta.dirname, '../../src/mcp/access-tokens.ts');
// Words that exist only in the conversation archived below, and in one search query.
const CONTENT_SECRET = 'quixotic-marmalade-7731';
const TITLE_SECRET = 'Zebulon ledger';
const QUERY_SECRET = 'marmalade';
const OWNER_PASSWORD = 'owner-password-never-logged-4242';

describe('secrets: tokens hashed at rest, nothing secret in the logs, no access to the app\'s credential tables', () => {
  const suite = useSuite(async (release) => {
    const db = release(await createTestDatabase());
    const [alice] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser];
    const exportDir = release(await openTempDir('secrets')).path;
    // The owner's password goes into DATABASE_URL; the mcp and worker processes never connect with it, but it is
    // in their configuration and must never reach a log line.
    const ownerUrl = new URL(db.ownerUrl);
    const created = await runCli(['token', 'create', '--user', alice.id, '--name', 'secrets', '--json'], {
      DATABASE_URL: db.ownerUrl,
      MCP_DB_USER: new URL(db.serviceUrl).username,
      MCP_DB_PASSWORD: decodeURIComponent(new URL(db.serviceUrl).password),
      LOG_LEVEL: 'trace',
    });
    expect(created.code).toBe(0);
    const { token, id: tokenId } = JSON.parse(created.stdout) as { token: string; id: string };
    ownerUrl.password = OWNER_PASSWORD;
    const env = {
      DATABASE_URL: ownerUrl.toString(),
      MCP_DB_USER: new URL(db.serviceUrl).username,
      MCP_DB_PASSWORD: decodeURIComponent(new URL(db.serviceUrl).password),
      EXPORT_DIR: exportDir,
      LOG_LEVEL: 'trace',
    };

    const threadId = randomUUID();
    await db.owner.insertInto('chat_thread').values({ id: threadId, title: TITLE_SECRET, user_id: alice.id }).execute();
    for (const [index, text] of [`My pantry code is ${CONTENT_SECRET}, keep it safe.`, 'Noted; I will not repeat it.'].entries()) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, created_at)
                VALUES (${randomUUID()}, ${threadId}, ${index === 0 ? 'user' : 'assistant'},
                        ARRAY(SELECT json_array_elements(${JSON.stringify([{ type: 'text', text }])}::json)),
                        ${new Date(Date.UTC(2026, 0, 12, 9, 0, index))})`.execute(db.owner);
    }
    const mcp = release(await spawnService(['mcp'], { ...env, PORT: String(await freePort()) }, /listening on/));
    const worker = release(await spawnService(['worker'], { ...env, WORKER_HTTP_PORT: String(await freePort()) }, /^worker: /));
    return { db, mcp, worker, env, token, tokenId, threadId };
  });

  const connect = async (bearer: string) => {
    const client = new Client({ name: 'secrets', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(listeningUrl(suite.mcp)), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
    return client;
  };

  it('stores only the SHA-256 of a token, in no readable form', async () => {
    const row = await suite.db.owner.selectFrom('mcp_archiver.access_token').selectAll().where('id', '=', suite.tokenId).executeTakeFirstOrThrow();
    expect(row.token_hash.equals(createHash('sha256').update(suite.token, 'utf8').digest())).toBe(true);
    const { rows } = await sql<{ row: string }>`SELECT row_to_json(t)::text AS row FROM mcp_archiver.access_token t`.execute(suite.db.owner);
    const secretPart = suite.token.slice('cat_'.length);
    expect(rows.map((r) => r.row).join('\n')).not.toContain(secretPart);
    const { rows: columns } = await sql<{ column_name: string; data_type: string }>`
      SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'mcp_archiver' AND table_name = 'access_token'`.execute(suite.db.owner);
    expect(columns.filter((c) => c.data_type === 'text').map((c) => c.column_name)).toEqual(['name']);
  });

  it('compares hashes in constant time, and refuses a wrong token of the same length', async () => {
    const source = fs.readFileSync(ACCESS_TOKENS_SOURCE, 'utf8');
    expect(source).toMatch(/timingSafeEqual\(row\.token_hash, presented\)/);
    const last = suite.token.at(-1) === 'A' ? 'B' : 'A';
    const wrong = `${suite.token.slice(0, -1)}${last}`;
    expect(wrong).toHaveLength(suite.token.length);
    await expect(connect(wrong)).rejects.toThrow(/401|invalid_token|Unauthorized/i);
    await expect(connect(suite.token.toUpperCase())).rejects.toThrow();
  });

  it('never logs the token, the database passwords, archived text or search words (LOG_LEVEL=trace)', async () => {
    const client = await connect(suite.token);
    const { jobId } = ok<{ jobId: string }>(await client.callTool({ name: 'archive_conversation', arguments: { threadId: suite.threadId, name: 'Pantry', exportFormat: 'markdown' } }));
    const job = await eventually(`job ${jobId}`, async () => {
      const view = ok<{ done: boolean; state: string; result: { archiveId: string } | null }>(await client.callTool({ name: 'get_job', arguments: { jobId } }));
      return view.done ? view : undefined;
    });
    expect(job.state).toBe('completed');
    const archiveId = job.result!.archiveId;
    const { hits } = ok<{ hits: Array<{ snippet: string }> }>(await client.callTool({ name: 'search_archives', arguments: { query: QUERY_SECRET } }));
    expect(hits[0]!.snippet).toContain(QUERY_SECRET);
    expect(JSON.stringify(ok(await client.callTool({ name: 'get_archive', arguments: { archiveId } })))).toContain(TITLE_SECRET);
    expect(JSON.stringify(await client.readResource({ uri: `archive://${archiveId}/export` }))).toContain(CONTENT_SECRET);
    // Failures log too: an argument the schema refuses (holding the search word), a refused token.
    errorText(await client.callTool({ name: 'search_archives', arguments: { query: `${QUERY_SECRET}\u0007` } }));
    await client.close();
    await expect(connect(`${suite.token.slice(0, -2)}zz`)).rejects.toThrow();

    await suite.mcp.stop();
    await suite.worker.stop();
    const logs = `${suite.mcp.stderr()}\n${suite.worker.stderr()}`;
    // The logs exist and say what happened, so their silence on secrets means something.
    expect(logs).toMatch(/"operation":"archive_conversation"/);
    expect(logs).toMatch(/"operation":"search_archives"/);
    expect(logs).toMatch(/MCP request refused/);
    expect(logs).toMatch(/conversation archived/);
    const secrets = {
      token: suite.token,
      tokenSecretPart: suite.token.slice('cat_'.length),
      tokenHashHex: createHash('sha256').update(suite.token).digest('hex'),
      servicePassword: suite.env.MCP_DB_PASSWORD!,
      ownerPassword: OWNER_PASSWORD,
      archivedText: CONTENT_SECRET,
      threadTitle: TITLE_SECRET,
      searchWord: QUERY_SECRET,
    };
    for (const [what, secret] of Object.entries(secrets)) expect(logs.includes(secret), `${what} in the logs`).toBe(false);
  });

  it('gives the service role nothing on the app\'s session, account and verification tables, and only user id and name', async () => {
    for (const table of ['session', 'account', 'verification']) {
      await expect(sql`SELECT 1 FROM ${sql.table(table)} LIMIT 1`.execute(suite.db.service), table).rejects.toThrow(/permission denied/);
      const { rows } = await sql<{ any: boolean }>`
        SELECT has_table_privilege(current_user, ${`public."${table}"`}, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS any`.execute(suite.db.service);
      expect(rows[0]?.any, table).toBe(false);
    }
    // The usage report names users (src/db/role-privileges.ts): id and name, never email, role or anything else.
    await expect(sql`SELECT * FROM "user" LIMIT 1`.execute(suite.db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`SELECT email FROM "user" LIMIT 1`.execute(suite.db.service)).rejects.toThrow(/permission denied/);
    const { rows: tables } = await sql<{ any: boolean }>`
      SELECT has_table_privilege(current_user, 'public."user"', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS any`.execute(suite.db.service);
    expect(tables[0]?.any).toBe(false);
    // Nor through another column grant, a view or a function of the service's own.
    const { rows: columns } = await sql<{ table_name: string; column_name: string; privilege_type: string }>`
      SELECT table_name, column_name, privilege_type FROM information_schema.column_privileges
      WHERE grantee = current_user AND table_name IN ('user', 'session', 'account', 'verification')
      ORDER BY table_name, column_name, privilege_type`.execute(suite.db.service);
    expect(columns).toEqual([
      { table_name: 'user', column_name: 'id', privilege_type: 'SELECT' },
      { table_name: 'user', column_name: 'name', privilege_type: 'SELECT' },
    ]);
  });
});
