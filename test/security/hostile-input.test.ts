import http from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { allowedHostnames, createHttpApp, listen, type ListeningServer } from '../../src/mcp/http-transport.ts';
import { closeAll } from '../support/close-all.ts';
import { rawMcpRequest } from '../support/raw-http.ts';
import { caller, connectInMemory, countRows, openMcpSuite, writeArchive, type ArchivedFixture, type DemoUser, type RowCounts, type TestMcp } from '../support/mcp-fixtures.ts';
import type { TestDatabase } from '../support/test-database.ts';

const UNKNOWN = '00000000-0000-4000-8000-00000000beef';
const TEN_MB = 'x'.repeat(10 * 1024 * 1024);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const nested = (depth: number, leaf: unknown = 'pool', key?: string): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = key ? { [key]: value } : [value];
  return value;
};

// Whatever a hostile caller sends, the answer names no internals.
const INTERNALS = /\n\s+at |node_modules|\/work\/|\.ts:\d|SELECT |INSERT |UPDATE |DELETE |pgboss|mcp_archiver\.|ZodError|TypeError|RangeError|syntax error|stack/i;

type Expected =
  | { error: RegExp }
  /** A correct answer: checked by `check`. */
  | { ok: (structured: Record<string, unknown>) => void }
  /** Either a clear error matching `error`, or a correct answer checked by `ok`. */
  | { error: RegExp; ok: (structured: Record<string, unknown>) => void };

interface Case {
  label: string;
  tool: string;
  args: (f: Fixtures) => unknown;
  expected: Expected;
}

interface Fixtures {
  alice: DemoUser;
  bob: DemoUser;
  aliceArchive: ArchivedFixture;
}

// Hits may only ever come from the caller's own archive.
let ownArchiveId = '';
const onlyOwnHits = (s: Record<string, unknown>) => {
  for (const hit of s.hits as Array<{ archiveId: string }>) expect(hit.archiveId).toBe(ownArchiveId);
};
const noSearchTerms = /^query: no searchable words/;

const cases: Case[] = [
  // SQL injection text: bound as parameters or refused by the argument schemas.
  { label: 'sql: classic tautology in a search', tool: 'search_archives', args: () => ({ query: "' OR 1=1 --" }), expected: { error: noSearchTerms, ok: onlyOwnHits } },
  { label: 'sql: DROP TABLE in a search', tool: 'search_archives', args: () => ({ query: "'; DROP TABLE archive; --" }), expected: { ok: onlyOwnHits } },
  { label: 'sql: stacked pg_sleep in a search', tool: 'search_archives', args: () => ({ query: "pool'); SELECT pg_sleep(10); --" }), expected: { ok: onlyOwnHits } },
  { label: 'sql: quoted identifier in a search', tool: 'search_archives', args: () => ({ query: `\\'; DELETE FROM "user" WHERE ''='` }), expected: { ok: onlyOwnHits } },
  { label: 'sql: UNION in a search', tool: 'search_archives', args: () => ({ query: 'x UNION SELECT token_hash FROM mcp_archiver.access_token' }), expected: { ok: onlyOwnHits } },
  { label: 'sql: in an archive name (unknown thread)', tool: 'archive_conversation', args: () => ({ threadId: UNKNOWN, name: "x'); DROP TABLE archive; --" }), expected: { error: /^thread .* not found$/ } },
  { label: 'sql: in a thread id', tool: 'archive_conversation', args: () => ({ threadId: `${UNKNOWN}' OR '1'='1`, name: 'x' }), expected: { error: /^invalid arguments — threadId: expected a chat thread id/ } },
  { label: 'sql: in a job id', tool: 'get_job', args: () => ({ jobId: '1 OR 1=1' }), expected: { error: /jobId: expected a job id/ } },
  { label: 'sql: in an archive id', tool: 'get_archive', args: () => ({ archiveId: "' UNION SELECT * FROM archive --" }), expected: { error: /archiveId: expected an archive id/ } },
  { label: 'sql: in a user id', tool: 'analyze_conversation_patterns', args: () => ({ userId: "' OR 1=1 --" }), expected: { error: /userId: expected a user id/ } },
  { label: 'sql: in a cursor timestamp', tool: 'list_archives', args: () => ({ cursor: b64(["2026-01-01 00:00:00'); DROP TABLE archive; --", UNKNOWN]) }), expected: { error: /cursor: is not a cursor/ } },
  { label: 'sql: in a cursor id', tool: 'list_archives', args: () => ({ cursor: b64(['2026-01-01 00:00:00', "x' OR '1'='1"]) }), expected: { error: /cursor: is not a cursor/ } },
  // tsquery operators: websearch syntax never reaches to_tsquery's operator grammar.
  { label: 'tsquery: & and !', tool: 'search_archives', args: () => ({ query: 'pool & !idle' }), expected: { ok: onlyOwnHits } },
  { label: 'tsquery: <-> phrase operator', tool: 'search_archives', args: () => ({ query: 'pool <-> connections' }), expected: { ok: onlyOwnHits } },
  { label: 'tsquery: prefix :*', tool: 'search_archives', args: () => ({ query: 'po:*' }), expected: { error: noSearchTerms, ok: onlyOwnHits } },
  { label: 'tsquery: weights :A', tool: 'search_archives', args: () => ({ query: 'pool:A & idle:B' }), expected: { ok: onlyOwnHits } },
  { label: 'tsquery: unbalanced parentheses', tool: 'search_archives', args: () => ({ query: '(pool | idle) & !(x' }), expected: { ok: onlyOwnHits } },
  { label: 'tsquery: operators only', tool: 'search_archives', args: () => ({ query: '!!! ||| &&& <-> :*' }), expected: { error: noSearchTerms } },
  { label: 'tsquery: quotes only', tool: 'search_archives', args: () => ({ query: '"""' }), expected: { error: noSearchTerms } },
  { label: 'tsquery: exclusions only', tool: 'search_archives', args: () => ({ query: '-pool -idle' }), expected: { error: noSearchTerms, ok: onlyOwnHits } },
  // Control characters and NUL bytes.
  { label: 'control: NUL at the start of a query', tool: 'search_archives', args: () => ({ query: '\u0000pool' }), expected: { error: /query: must not contain control characters/ } },
  { label: 'control: BEL in a query', tool: 'search_archives', args: () => ({ query: 'pool\u0007bell' }), expected: { error: /query: must not contain control characters/ } },
  { label: 'control: ANSI escape in a query', tool: 'search_archives', args: () => ({ query: '\u001b[31mred' }), expected: { error: /query: must not contain control characters/ } },
  { label: 'control: NUL in an archive name (own thread)', tool: 'archive_conversation', args: (f) => ({ threadId: f.alice.threadIds[0], name: 'nul\u0000byte' }), expected: { error: /^invalid arguments — name: must not contain control characters/ } },
  { label: 'control: newline in an archive name (own thread)', tool: 'archive_conversation', args: (f) => ({ threadId: f.alice.threadIds[0], name: 'line\nbreak' }), expected: { error: /name: must not contain control characters/ } },
  { label: 'control: NUL in a description (own thread)', tool: 'archive_conversation', args: (f) => ({ threadId: f.alice.threadIds[0], name: 'x', description: 'desc\u0000' }), expected: { error: /description: must not contain control characters/ } },
  { label: 'control: NUL as an archive id', tool: 'get_archive', args: () => ({ archiveId: '\u0000' }), expected: { error: /archiveId: expected an archive id/ } },
  { label: 'control: NUL in a cursor', tool: 'list_archives', args: () => ({ cursor: '\u0000' }), expected: { error: /cursor: is not a cursor/ } },
  // Invalid UTF-16: lone surrogates cannot be stored as text or JSON by PostgreSQL.
  { label: 'utf16: lone high surrogate in a query', tool: 'search_archives', args: () => ({ query: '\ud800pool' }), expected: { error: /query: must be valid Unicode text/ } },
  { label: 'utf16: lone low surrogate in a name (own thread)', tool: 'archive_conversation', args: (f) => ({ threadId: f.alice.threadIds[0], name: 'bad\udc00' }), expected: { error: /name: must be valid Unicode text/ } },
  { label: 'utf16: truncated pair in a description (own thread)', tool: 'archive_conversation', args: (f) => ({ threadId: f.alice.threadIds[0], name: 'x', description: 'emoji \ud83d' }), expected: { error: /description: must be valid Unicode text/ } },
  { label: 'utf16: lone surrogate in a cursor', tool: 'list_archives', args: () => ({ cursor: '\ud800' }), expected: { error: /cursor: is not a cursor/ } },
  { label: 'utf16: a valid pair is fine (unknown thread)', tool: 'archive_conversation', args: () => ({ threadId: UNKNOWN, name: '🗄️ archive' }), expected: { error: /^thread .* not found$/ } },
  // 10 MB strings.
  { label: '10 MB: query', tool: 'search_archives', args: () => ({ query: TEN_MB }), expected: { error: /query: must be at most 500 characters/ } },
  { label: '10 MB: archive name', tool: 'archive_conversation', args: () => ({ threadId: UNKNOWN, name: TEN_MB }), expected: { error: /name: must be at most 100 characters/ } },
  { label: '10 MB: description', tool: 'archive_conversation', args: () => ({ threadId: UNKNOWN, name: 'x', description: TEN_MB }), expected: { error: /description: must be at most 500 characters/ } },
  { label: '10 MB: job id', tool: 'get_job', args: () => ({ jobId: TEN_MB }), expected: { error: /jobId: expected a job id/ } },
  { label: '10 MB: cursor', tool: 'list_archives', args: () => ({ cursor: TEN_MB }), expected: { error: /cursor: is not a cursor/ } },
  { label: '10 MB: argument name', tool: 'search_archives', args: () => ({ query: 'pool', [TEN_MB]: 1 }), expected: { error: /Unrecognized key/ } },
  { label: '10 MB: tool name', tool: TEN_MB, args: () => ({}), expected: { error: /^unknown tool "x+…"; see tools\/list$/ } },
  // Deeply nested JSON.
  { label: 'nested: 10,000 arrays as a query', tool: 'search_archives', args: () => ({ query: nested(10_000) }), expected: { error: /query: / } },
  { label: 'nested: 10,000 objects as a time range', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: nested(10_000, 1, 'start') }), expected: { error: /timeRange/ } },
  { label: 'nested: 10,000 objects as an extra argument', tool: 'get_archive', args: () => ({ archiveId: UNKNOWN, extra: nested(10_000, 1, 'a') }), expected: { error: /Unrecognized key/ } },
  // Prototype-pollution keys, as JSON.parse makes them (own properties). The SDK's request parsing drops a
  // `__proto__` key before any tool sees the arguments; none of them may grant anything.
  { label: 'proto: __proto__.admin with another user id', tool: 'search_archives', args: (f) => JSON.parse(`{"query":"pool","userId":"${f.bob.id}","__proto__":{"admin":true}}`), expected: { error: /Unrecognized key|only an admin token/ } },
  { label: 'proto: __proto__.admin with allUsers', tool: 'analyze_conversation_patterns', args: () => JSON.parse('{"allUsers":true,"__proto__":{"admin":true}}'), expected: { error: /Unrecognized key|only an admin token may analyse every user/ } },
  { label: 'proto: __proto__.requestedBy', tool: 'archive_conversation', args: (f) => JSON.parse(`{"threadId":"${UNKNOWN}","name":"x","__proto__":{"requestedBy":"${f.bob.id}"}}`), expected: { error: /Unrecognized key|^thread .* not found$/ } },
  { label: 'proto: constructor.prototype', tool: 'list_archives', args: () => JSON.parse('{"constructor":{"prototype":{"admin":true}}}'), expected: { error: /Unrecognized key/ } },
  { label: 'proto: __proto__ inside a time range', tool: 'analyze_conversation_patterns', args: () => JSON.parse('{"timeRange":{"start":"2026-01-01T00:00:00Z","end":"2026-01-02T00:00:00Z","__proto__":{"x":1}}}'), expected: { error: /Unrecognized key/ } },
  // Wrong types.
  { label: 'type: query as an object', tool: 'search_archives', args: () => ({ query: {} }), expected: { error: /query: / } },
  { label: 'type: query null', tool: 'search_archives', args: () => ({ query: null }), expected: { error: /query: / } },
  { label: 'type: limit beyond 2^53', tool: 'search_archives', args: () => ({ query: 'pool', limit: 2 ** 60 }), expected: { error: /limit: / } },
  { label: 'type: negative limit', tool: 'list_archives', args: () => ({ limit: -1 }), expected: { error: /limit: must be at least 1/ } },
  { label: 'type: 1e308 limit', tool: 'list_archives', args: () => ({ limit: 1e308 }), expected: { error: /limit: / } },
  { label: 'type: job id in an array', tool: 'get_job', args: () => ({ jobId: [UNKNOWN] }), expected: { error: /jobId: / } },
  { label: 'type: format in an array', tool: 'archive_conversation', args: () => ({ threadId: UNKNOWN, name: 'x', exportFormat: ['json'] }), expected: { error: /exportFormat: / } },
  { label: 'type: allUsers as 1', tool: 'analyze_conversation_patterns', args: () => ({ allUsers: 1 }), expected: { error: /allUsers: expected true or false/ } },
  { label: 'type: archive id as true', tool: 'get_archive', args: () => ({ archiveId: true }), expected: { error: /archiveId: / } },
  { label: 'type: time range as a number', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: 7 }), expected: { error: /timeRange: / } },
  // Far-future, inverted and malformed dates.
  { label: 'dates: far future', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: { start: '9999-12-30T00:00:00Z', end: '9999-12-31T00:00:00Z' } }), expected: { error: /timeRange: starts in the future/ } },
  { label: 'dates: inverted', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: { start: '2026-02-01T00:00:00Z', end: '2026-01-01T00:00:00Z' } }), expected: { error: /timeRange: start must be before end/ } },
  { label: 'dates: same instant, different offsets', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: { start: '2026-01-01T01:00:00+01:00', end: '2026-01-01T00:00:00Z' } }), expected: { error: /timeRange: start must be before end/ } },
  { label: 'dates: extended year', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: { start: '+275760-09-13T00:00:00Z', end: '2026-01-01T00:00:00Z' } }), expected: { error: /timeRange.start: expected an ISO 8601 date-time/ } },
  { label: 'dates: month 13', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: { start: '2026-13-45T99:99:99Z', end: '2026-01-01T00:00:00Z' } }), expected: { error: /timeRange.start: expected an ISO 8601 date-time/ } },
  { label: 'dates: offset +25:00', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: { start: '2026-01-01T00:00:00+25:00', end: '2026-01-02T00:00:00Z' } }), expected: { error: /timeRange.start: expected an ISO 8601 date-time/ } },
  { label: 'dates: epoch number', tool: 'analyze_conversation_patterns', args: () => ({ timeRange: { start: 0, end: 1 } }), expected: { error: /timeRange.start: / } },
  // Unknown tools.
  { label: 'tool: SQL as a tool name', tool: "'; DROP TABLE archive; --", args: () => ({}), expected: { error: /^unknown tool/ } },
];

const resourceCases: Array<{ label: string; uri: (f: Fixtures) => string; error: RegExp }> = [
  { label: 'path traversal', uri: () => 'archive://../../etc/passwd', error: /expected a uuid|not found/ },
  // The URL normalises to the caller's own archive://<id>/export, which has no export file.
  { label: 'traversal after a valid id', uri: (f) => `archive://${f.aliceArchive.archiveId}/../export`, error: /not found|has no export file yet/ },
  { label: 'NUL byte', uri: () => 'archive://%00', error: /expected a uuid|not found/ },
  { label: 'SQL in the id', uri: () => "archive://1' OR '1'='1", error: /expected a uuid|not found|Invalid URL/ },
  { label: 'another scheme', uri: () => 'file:///etc/passwd', error: /not found/ },
  { label: '10 MB id', uri: () => `archive://${TEN_MB}`, error: /expected a uuid|not found|URI exceeds maximum length/ },
  { label: 'unknown export suffix', uri: () => `archive://${UNKNOWN}/export%00`, error: /not found|expected a uuid/ },
];

describe('hostile input corpus: a clear error or a correct answer, no internals, nothing written', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let client: Client;
  let fixtures: Fixtures;
  let before: RowCounts & { analyses: number };

  const counts = async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM mcp_archiver.pattern_analysis`.execute(db.owner);
    return { ...(await countRows(db)), analyses: rows[0]!.n };
  };

  beforeAll(async () => {
    const { alice, bob, ...opened } = await openMcpSuite();
    ({ db, mcp } = opened);
    const aliceArchive = await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Pool notes', summary: 'Idle connections.', body: 'The connection pool ran out of idle connections.' });
    await writeArchive(db, { userId: bob.id, threadId: bob.threadIds[0]!, name: 'Bob pool', summary: 'Pool secrets of Bob.', body: 'Bob pool idle connections secret.' });
    ownArchiveId = aliceArchive.archiveId;
    fixtures = { alice, bob, aliceArchive };
    client = await connectInMemory(mcp.deps, caller(alice.id));
    before = await counts();
  });
  afterAll(() => closeAll(client, mcp, db));

  it(`has at least 50 cases (${cases.length} tool calls, ${resourceCases.length} resource reads)`, () => {
    expect(cases.length + resourceCases.length).toBeGreaterThanOrEqual(50);
    expect(new Set(cases.map((c) => c.tool)).size).toBeGreaterThanOrEqual(6);
  });

  it.each(cases)('$label', async ({ tool, args, expected }) => {
    const result = await client.callTool({ name: tool, arguments: args(fixtures) as Record<string, unknown> });
    const text = (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
    if (result.isError) {
      if (!('error' in expected)) throw new Error(`expected a correct answer, got: ${text.slice(0, 300)}`);
      expect(text).toMatch(expected.error);
      expect(text.length).toBeLessThan(600);
      expect(text).not.toMatch(INTERNALS);
      expect(text).not.toMatch(/failed on the server/);
    } else {
      if (!('ok' in expected)) throw new Error(`expected an error, got: ${text.slice(0, 300)}`);
      expected.ok(result.structuredContent as Record<string, unknown>);
    }
  });

  it.each(resourceCases)('resource: $label', async ({ uri, error }) => {
    const message = await client.readResource({ uri: uri(fixtures) }).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    expect(message).toMatch(error);
    expect(message.length).toBeLessThan(600);
    expect(message).not.toMatch(INTERNALS);
  });

  it('refuses arguments that are not an object, as a JSON-RPC error', async () => {
    for (const args of [[], 'pool', 42]) {
      const message = await client.callTool({ name: 'search_archives', arguments: args as unknown as Record<string, unknown> }).then(
        (r) => (r.isError ? JSON.stringify(r.content) : 'no error'),
        (e: Error) => e.message,
      );
      expect(message).not.toBe('no error');
      expect(message).not.toMatch(INTERNALS);
    }
  });

  it('left Object.prototype alone', () => {
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).allUsers).toBeUndefined();
    expect(({} as Record<string, unknown>).requestedBy).toBeUndefined();
  });

  it('wrote nothing but audit rows, and no call failed on the server', async () => {
    expect(await counts()).toEqual(before);
    const { rows } = await sql<{ outcome: string; n: number }>`
      SELECT outcome, count(*)::int AS n FROM mcp_archiver.audit_log WHERE user_id = ${fixtures.alice.id} GROUP BY outcome`.execute(db.owner);
    const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
    expect(byOutcome.error).toBeUndefined();
    expect(byOutcome.timeout).toBeUndefined();
    // Every tool call and resource read was audited (unknown tools and non-object arguments never reach a tool).
    const audited = rows.reduce((sum, r) => sum + r.n, 0);
    expect(audited).toBeGreaterThanOrEqual(cases.filter((c) => !c.tool.startsWith("'") && c.tool !== TEN_MB).length);
  });
});

describe('hostile input over HTTP: clean JSON-RPC errors, never a 500 or a stack', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let server: ListeningServer;
  let token: string;
  let before: RowCounts;

  beforeAll(async () => {
    const { alice, ...opened } = await openMcpSuite();
    ({ db, mcp } = opened);
    token = (await issueAccessToken(db.owner, { userId: alice.id, name: 'hostile', admin: false, expiresAt: null })).token;
    const app = createHttpApp({ deps: mcp.deps, serverName: 'test-archiver', allowedHosts: allowedHostnames(db.config().mcp), allowedOrigins: [] });
    server = await listen(app, '127.0.0.1', 0);
    before = await countRows(db);
  });
  afterAll(() => closeAll(server, mcp, db));

  async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
    const response = await rawMcpRequest(server.url, { headers: { authorization: `Bearer ${token}`, ...headers }, body });
    return { status: response.status, type: String(response.headers['content-type'] ?? ''), body: response.body };
  }

  const call = (name: string, args: unknown, id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

  const httpCases: Array<{ label: string; body: () => string | Buffer; headers?: Record<string, string>; status: number[]; code?: number }> = [
    { label: 'malformed JSON', body: () => '{"jsonrpc": "2.0", ', status: [400], code: -32700 },
    { label: 'a 10 MB body', body: () => call('search_archives', { query: TEN_MB }), status: [413], code: -32600 },
    { label: 'a 10 MB body without a token', body: () => call('search_archives', { query: TEN_MB }), headers: { authorization: '' }, status: [401] },
    { label: 'JSON nested 100,000 deep', body: () => call('search_archives', { query: 'X' }).replace('"X"', '['.repeat(100_000) + ']'.repeat(100_000)), status: [200, 400] },
    { label: 'a bare number', body: () => '42', status: [400] },
    { label: 'null', body: () => 'null', status: [400] },
    { label: 'an empty body', body: () => '', status: [400] },
    { label: 'a batch of calls', body: () => `[${call('list_archives', {}, 1)},${call('list_archives', {}, 2)}]`, status: [200, 400] },
    { label: 'invalid UTF-8 bytes', body: () => Buffer.concat([Buffer.from(call('search_archives', { query: 'pool ' }).slice(0, -4)), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]), status: [200, 400] },
    { label: 'a lone surrogate escape', body: () => call('search_archives', { query: 'pool' }).replace('pool', '\\ud800pool'), status: [200] },
    { label: 'a NUL escape', body: () => call('archive_conversation', { threadId: UNKNOWN, name: 'x' }).replace('"x"', '"\\u0000"'), status: [200] },
    { label: '__proto__ at the JSON-RPC level', body: () => '{"jsonrpc":"2.0","id":1,"method":"tools/call","__proto__":{"admin":true},"params":{"name":"list_archives","arguments":{}}}', status: [200, 400] },
    { label: 'text/plain content type', body: () => call('list_archives', {}), headers: { 'content-type': 'text/plain' }, status: [400, 415] },
    { label: 'an unknown JSON-RPC method', body: () => '{"jsonrpc":"2.0","id":1,"method":"admin/dropEverything","params":{}}', status: [200, 400] },
  ];

  it.each(httpCases)('$label', async ({ body, headers, status, code }) => {
    const response = await post(body(), headers);
    expect(status).toContain(response.status);
    expect(response.body).not.toMatch(INTERNALS);
    expect(response.body.length).toBeLessThan(2000);
    if (response.status !== 401) expect(response.type).toMatch(/application\/json|text\/event-stream/);
    if (code !== undefined) expect(JSON.parse(response.body)).toMatchObject({ jsonrpc: '2.0', error: { code } });
  });

  it('wrote nothing but audit rows', async () => {
    expect(await countRows(db)).toEqual(before);
  });
});
