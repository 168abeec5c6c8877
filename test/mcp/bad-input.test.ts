import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { caller, connectInMemory, countRows, errorText, ok, openMcpSuite } from '../support/mcp-fixtures.ts';
import { useSuite } from '../support/suite.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

// [tool, arguments, what the message must say]
type Case = [string, Record<string, unknown>, RegExp];
const badCalls: Case[] = [
  // wrong types
  ['archive_conversation', { threadId: 42, name: 'x' }, /threadId: expected a chat thread id \(a uuid\)/],
  ['archive_conversation', { threadId: UNKNOWN, name: 7 }, /name: /],
  ['analyze_conversation_patterns', { timeRange: 'last week' }, /timeRange: /],
  ['analyze_conversation_patterns', { allUsers: 'yes' }, /allUsers: expected true or false/],
  ['get_job', { jobId: 123 }, /jobId: expected a job id \(a uuid\)/],
  ['search_archives', { query: ['pool'] }, /query: /],
  ['search_archives', { query: 'pool', limit: '10' }, /limit: expected a number/],
  ['search_archives', { query: 'pool', limit: 2.5 }, /limit: expected a whole number/],
  ['list_archives', { limit: true }, /limit: expected a number/],
  // missing and unknown arguments
  ['archive_conversation', { name: 'x' }, /threadId: /],
  ['archive_conversation', { thread_id: UNKNOWN, threadId: UNKNOWN, name: 'x' }, /Unrecognized key.*thread_id/],
  ['get_archive', {}, /archiveId: /],
  ['search_archives', {}, /query: /],
  // bad uuids
  ['archive_conversation', { threadId: 'thread-1', name: 'x' }, /threadId: expected a chat thread id \(a uuid\)/],
  ['archive_conversation', { threadId: UNKNOWN, name: 'x', archiveId: '1234' }, /archiveId: expected an archive id \(a uuid\)/],
  ['get_job', { jobId: 'job-1' }, /jobId: expected a job id \(a uuid\)/],
  ['get_archive', { archiveId: "'; DROP TABLE archive; --" }, /archiveId: expected an archive id \(a uuid\)/],
  ['analyze_conversation_patterns', { userId: 'me' }, /userId: expected a user id \(a uuid\)/],
  ['search_archives', { query: 'pool', userId: 'someone' }, /userId: expected a user id \(a uuid\)/],
  // empty or oversized strings
  ['archive_conversation', { threadId: UNKNOWN, name: '' }, /name: must not be empty/],
  ['archive_conversation', { threadId: UNKNOWN, name: '   ' }, /name: must not be empty/],
  ['archive_conversation', { threadId: UNKNOWN, name: 'n'.repeat(101) }, /name: must be at most 100 characters/],
  ['archive_conversation', { threadId: UNKNOWN, name: 'x', description: 'd'.repeat(501) }, /description: must be at most 500 characters/],
  ['archive_agent', { agentId: 'agent-1', name: 'x' }, /agentId: expected an agent id \(a uuid\)/],
  ['archive_agent', { agentId: UNKNOWN, name: 'n'.repeat(101) }, /name: must be at most 100 characters/],
  ['archive_workflow', { workflowId: UNKNOWN, name: 'x', description: 'd'.repeat(501) }, /description: must be at most 500 characters/],
  ['archive_workflow', { workflowId: UNKNOWN, name: 'x', exportFormat: 'docx' }, /exportFormat: expected one of json, markdown, pdf/],
  ['archive_conversations', { threadIds: [], name: 'x' }, /threadIds: must list at least one thread/],
  ['search_archives', { query: '' }, /query: must not be empty/],
  ['search_archives', { query: 'q'.repeat(501) }, /query: must be at most 500 characters/],
  ['search_archives', { query: 'pool\u0000' }, /query: must not contain control characters/],
  ['list_archives', { cursor: 'c'.repeat(201) }, /cursor: is not a cursor from list_archives/],
  // unknown format
  ['archive_conversation', { threadId: UNKNOWN, name: 'x', exportFormat: 'docx' }, /exportFormat: expected one of json, markdown, pdf/],
  // inverted, huge or malformed time ranges
  ['analyze_conversation_patterns', { timeRange: { start: '2026-01-31T00:00:00Z', end: '2026-01-01T00:00:00Z' } }, /timeRange: start must be before end/],
  ['analyze_conversation_patterns', { timeRange: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' } }, /timeRange: start must be before end/],
  ['analyze_conversation_patterns', { timeRange: { start: '2020-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' } }, /timeRange: may span at most 366 days/],
  ['analyze_conversation_patterns', { timeRange: { start: 'yesterday', end: '2026-01-01T00:00:00Z' } }, /timeRange.start: expected an ISO 8601 date-time/],
  ['analyze_conversation_patterns', { timeRange: { start: '2026-01-01T00:00:00Z' } }, /timeRange.end: /],
  // out-of-range numbers
  ['search_archives', { query: 'pool', limit: 0 }, /limit: must be at least 1/],
  ['search_archives', { query: 'pool', limit: 51 }, /limit: must be at most 50/],
  ['list_archives', { limit: 101 }, /limit: must be at most 100/],
  // unknown ids
  ['archive_conversation', { threadId: UNKNOWN, name: 'x' }, new RegExp(`thread ${UNKNOWN} not found`)],
  ['get_job', { jobId: UNKNOWN }, new RegExp(`job ${UNKNOWN} not found`)],
  ['get_archive', { archiveId: UNKNOWN }, new RegExp(`archive ${UNKNOWN} not found`)],
  ['list_archives', { cursor: 'bm90IGEgY3Vyc29y' }, /cursor: is not a cursor from list_archives/],
  // forged cursors in the right shape, with a timestamp PostgreSQL would refuse
  ...['9999-99-99 99:99:99', '2026-02-31 10:00:00', '2026-01-01 10:00:00.1234567', '0000-01-01 00:00:00'].map(
    (at): Case => ['list_archives', { cursor: Buffer.from(JSON.stringify([at, UNKNOWN])).toString('base64url') }, /cursor: is not a cursor from list_archives/],
  ),
  // bidi overrides and isolates, C1 controls, line and paragraph separators
  ...['\u202e', '\u2066', '\u0085', '\u009b', '\u2028', '\u2029'].flatMap((c): Case[] => [
    ['archive_conversation', { threadId: UNKNOWN, name: `invoice${c}fdp.exe` }, /name: must not contain control characters/],
    ['archive_conversations', { threadIds: [UNKNOWN], name: `invoice${c}fdp.exe` }, /name: must not contain control characters/],
    ['archive_agent', { agentId: UNKNOWN, name: `invoice${c}fdp.exe` }, /name: must not contain control characters/],
    ['archive_workflow', { workflowId: UNKNOWN, name: 'x', description: `line${c}two` }, /description: must not contain control characters/],
    ['archive_conversation', { threadId: UNKNOWN, name: 'x', description: `line${c}two` }, /description: must not contain control characters/],
    ['search_archives', { query: `pool${c}boats` }, /query: must not contain control characters/],
  ]),
  // queries without searchable terms
  ['search_archives', { query: 'the and of' }, /query: no searchable words/],
  ['search_archives', { query: '!!! ??? ...' }, /query: no searchable words/],
  ['search_archives', { query: '-' }, /query: no searchable words/],
  ['search_archives', { query: 'le de la' }, /query: no searchable words/],
];

describe('bad input: a short, safe isError message, and nothing written', () => {
  const suite = useSuite(async (release) => {
    const { db, mcp, alice } = release(await openMcpSuite());
    const client = release(await connectInMemory(mcp.deps, caller(alice.id)));
    return { db, mcp, alice, client, before: await countRows(db) };
  });

  it.each(badCalls)('%s %j', async (name, args, expected) => {
    const message = errorText(await suite.client.callTool({ name, arguments: args }));
    expect(message).toMatch(expected);
    expect(message.length).toBeLessThan(400);
    expect(message).not.toMatch(/\n\s+at |SELECT|INSERT|pgboss|mcp_archiver|ZodError|stack/i);
  });

  it('forged list_archives cursors are invalid input, logged below error level', async () => {
    const records: Array<{ level: number; msg: string }> = [];
    const log = createLogger('trace', { write: (line: string) => void records.push(JSON.parse(line) as { level: number; msg: string }) });
    const logged = await connectInMemory({ ...suite.mcp.deps, log }, caller(suite.alice.id));
    try {
      const forged = [
        ...['9999-99-99 99:99:99', '2026-02-31 10:00:00', '0000-01-01 00:00:00', '294277-01-01 00:00:00', '2026-01-01 10:00:00'].map((at) => [at, UNKNOWN]),
        ['2026-01-01 10:00:00', 'not-a-uuid'],
        [1, 2],
        { at: '2026-01-01' },
      ].map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));
      for (const cursor of [...forged, '%%%', 'x'.repeat(200)]) {
        const result = await logged.callTool({ name: 'list_archives', arguments: { cursor } });
        // A cursor of the right shape for a page that does not exist is simply an empty page.
        if (!result.isError) expect(ok<{ archives: unknown[] }>(result).archives, cursor).toEqual([]);
        else expect(errorText(result), cursor).toMatch(/cursor: is not a cursor from list_archives|invalid arguments/);
      }
      expect(records.filter((r) => r.level >= 50), JSON.stringify(records.filter((r) => r.level >= 50))).toEqual([]);
    } finally {
      await logged.close();
    }
  });

  it('refuses an existing thread with an unknown archive id', async () => {
    const message = errorText(await suite.client.callTool({ name: 'archive_conversation', arguments: { threadId: suite.alice.threadIds[0], name: 'x', archiveId: UNKNOWN } }));
    expect(message).toBe(`archive ${UNKNOWN} not found`);
  });

  it('answers an unknown tool with an error result', async () => {
    expect(errorText(await suite.client.callTool({ name: 'drop_everything', arguments: {} }))).toMatch(/unknown tool "drop_everything"/);
  });

  it('accepts any web-search syntax the parser may meet, without an internal error', async () => {
    for (const query of ['"unbalanced', 'pool & | ! :*', '((( pool', 'OR OR OR pool', "pool' OR '1'='1", 'connexion-pool -"idle', '\\x00 pool']) {
      const result = await suite.client.callTool({ name: 'search_archives', arguments: { query } });
      if (result.isError) expect(errorText(result)).toMatch(/^query: /);
      else expect(ok<{ hits: unknown[] }>(result).hits).toEqual([]);
    }
  });

  it('rejects resource URIs with bad or unknown archive ids', async () => {
    await expect(suite.client.readResource({ uri: 'archive://not-a-uuid' })).rejects.toThrow(/archive id: expected a uuid/);
    await expect(suite.client.readResource({ uri: `archive://${UNKNOWN}` })).rejects.toThrow(new RegExp(`archive ${UNKNOWN} not found`));
    await expect(suite.client.readResource({ uri: `archive://${UNKNOWN}/export` })).rejects.toThrow(new RegExp(`archive ${UNKNOWN} not found`));
  });

  it('wrote nothing but audit rows', async () => {
    expect(await countRows(suite.db)).toEqual(suite.before);
    const outcomes = await suite.db.owner
      .selectFrom('mcp_archiver.audit_log')
      .select(['outcome', (eb) => eb.fn.countAll<number>().as('n')])
      .where('user_id', '=', suite.alice.id)
      .groupBy('outcome')
      .execute();
    const byOutcome = Object.fromEntries(outcomes.map((o) => [o.outcome, Number(o.n)]));
    expect(byOutcome.invalid_input).toBeGreaterThanOrEqual(35);
    expect(byOutcome.not_found).toBeGreaterThanOrEqual(5);
    expect(byOutcome.error).toBeUndefined();
  });
});
