import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpensiveReadPool } from '../../src/limits/expensive-reads.ts';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { allowedHostnames, createHttpApp, listen, type ListeningServer } from '../../src/mcp/http-transport.ts';
import type { McpDependencies } from '../../src/mcp/mcp-dependencies.ts';
import { closeAll } from '../support/close-all.ts';
import { rawMcpRequest } from '../support/raw-http.ts';
import { openMcpSuite, writeArchive, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import type { TestDatabase } from '../support/test-database.ts';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

describe('per-token call limits, batch refusal and the expensive-read pool over HTTP', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let deps: McpDependencies;
  let impatientDeps: McpDependencies;
  let server: ListeningServer;
  let alice: DemoUser;
  let bob: DemoUser;
  let aliceToken: string;
  let bobToken: string;
  let rateToken: string;

  beforeAll(async () => {
    ({ db, mcp, alice, bob } = await openMcpSuite());
    // One permit, held by the test itself to keep searches in flight; waiting calls wait long enough for the test.
    deps = {
      ...mcp.deps,
      limits: { ...mcp.deps.limits, concurrentCallsPerToken: 2, callsPerMinutePerToken: 1000 },
      expensiveReads: createExpensiveReadPool(1, 30_000),
    };
    const rateDeps = { ...deps, limits: { ...deps.limits, callsPerMinutePerToken: 3 } };
    // A pool whose callers wait only briefly, for the refusal of a read that waits too long.
    impatientDeps = { ...deps, expensiveReads: createExpensiveReadPool(1, 200) };
    aliceToken = (await issueAccessToken(db.owner, { userId: alice.id, name: 'flood', admin: false, expiresAt: null })).token;
    bobToken = (await issueAccessToken(db.owner, { userId: bob.id, name: 'victim', admin: false, expiresAt: null })).token;
    rateToken = (await issueAccessToken(db.owner, { userId: alice.id, name: 'rate', admin: false, expiresAt: null })).token;
    await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Harbour notes', summary: 'Boats.', body: 'Sailing boats in the harbour.' });
    await writeArchive(db, { userId: bob.id, threadId: bob.threadIds[0]!, name: 'Garden notes', summary: 'Roses.', body: 'Roses in the garden.' });
    const app = createHttpApp({ deps, serverName: 'test-archiver', allowedHosts: allowedHostnames(db.config().mcp), allowedOrigins: [] });
    // A second app with a tiny rate, for the per-minute limit.
    app.use('/rate', createHttpApp({ deps: rateDeps, serverName: 'test-archiver', allowedHosts: allowedHostnames(db.config().mcp), allowedOrigins: [] }));
    app.use('/impatient', createHttpApp({ deps: impatientDeps, serverName: 'test-archiver', allowedHosts: allowedHostnames(db.config().mcp), allowedOrigins: [] }));
    server = await listen(app, '127.0.0.1', 0);
  });
  afterAll(() => closeAll(server, mcp, db));

  async function post(token: string, body: string, path = '/mcp'): Promise<Answer> {
    const response = await rawMcpRequest(new URL(path, server.url), { headers: { authorization: `Bearer ${token}` }, body });
    return { status: response.status, retryAfter: response.headers['retry-after'], body: response.body };
  }
  const call = (name: string, args: unknown, id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  const auditRows = async (operation: string) =>
    Number((await db.owner.selectFrom('mcp_archiver.audit_log').select((eb) => eb.fn.countAll().as('n')).where('operation', '=', operation).executeTakeFirstOrThrow()).n);

  it('refuses a JSON-RPC batch with 400 before any call runs', async () => {
    const before = await auditRows('list_archives');
    const batch = `[${Array.from({ length: 30 }, (_, i) => call('search_archives', { query: 'harbour' }, i + 1)).join(',')}]`;
    const answer = await post(aliceToken, batch);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.message).toMatch(/batches are not supported/);
    expect(await auditRows('search_archives')).toBe(0);
    expect(await auditRows('list_archives')).toBe(before);
  });

  it('answers 429 with Retry-After beyond the concurrent calls of one token, and serves other tokens meanwhile', async () => {
    let releasePermit!: () => void;
    const held = deps.expensiveReads.run(() => new Promise<void>((resolve) => (releasePermit = resolve)), 60_000);
    // Two searches of alice wait for the permit: her two slots are taken.
    const waiting = [post(aliceToken, call('search_archives', { query: 'harbour' }, 1)), post(aliceToken, call('search_archives', { query: 'harbour' }, 2))];
    await expect.poll(() => deps.expensiveReads.waiting).toBe(2);
    const third = await post(aliceToken, call('list_archives', {}, 3));
    expect(third.status).toBe(429);
    expect(Number(third.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(third.body).error.message).toMatch(/too many concurrent calls.*2 calls in flight.*MCP_TOKEN_MAX_CONCURRENT_CALLS/);
    // Bob's cheap call is neither limited by alice's token nor stuck behind her expensive ones.
    const bobs = await post(bobToken, call('list_archives', {}, 4));
    expect(bobs.status).toBe(200);
    expect(JSON.parse(bobs.body).result.structuredContent.archives).toHaveLength(1);
    releasePermit();
    await held;
    for (const answer of await Promise.all(waiting)) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).result.isError).toBeUndefined();
    }
    // The slots are free again.
    expect((await post(aliceToken, call('list_archives', {}, 5))).status).toBe(200);
  });

  it('answers an expensive read that waits too long for a permit with an error naming the pool, audited as limited', async () => {
    let releasePermit!: () => void;
    const held = impatientDeps.expensiveReads.run(() => new Promise<void>((resolve) => (releasePermit = resolve)), 60_000);
    const answer = await post(aliceToken, call('search_archives', { query: 'harbour' }), '/impatient/mcp');
    releasePermit();
    await held;
    const result = JSON.parse(answer.body).result;
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toMatch(/busy with other expensive reads.*MCP_EXPENSIVE_READS_CONCURRENCY/);
    const row = await db.owner.selectFrom('mcp_archiver.audit_log').select(['outcome', 'detail']).where('operation', '=', 'search_archives').orderBy('at', 'desc').executeTakeFirstOrThrow();
    expect(row.outcome).toBe('limited');
  });

  it('answers 429 beyond the calls per minute of one token, naming the limit; another token keeps its own budget', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post(rateToken, call('list_archives', {}, i), '/rate/mcp'));
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[3]!.status).toBe(429);
    expect(Number(answers[3]!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(answers[3]!.body).error.message).toMatch(/3 calls per minute.*MCP_TOKEN_CALLS_PER_MINUTE/);
    expect((await post(bobToken, call('list_archives', {}), '/rate/mcp')).status).toBe(200);
  });

  it('paces the refusals of a token that retries at once, while another token is answered meanwhile', async () => {
    // The rate token's minute is used up by the test above: every call is refused, each after the refusal pause.
    const started = performance.now();
    const refusals = [];
    for (let i = 0; i < 3; i++) refusals.push(await post(rateToken, call('list_archives', {}, 10 + i), '/rate/mcp'));
    const elapsed = performance.now() - started;
    expect(refusals.map((a) => a.status)).toEqual([429, 429, 429]);
    expect(elapsed).toBeGreaterThanOrEqual(3 * 450);
    const [other, refused] = await Promise.all([post(bobToken, call('list_archives', {}, 20), '/rate/mcp'), post(rateToken, call('list_archives', {}, 21), '/rate/mcp')]);
    expect(other.status).toBe(200);
    expect(refused.status).toBe(429);
  });
});
