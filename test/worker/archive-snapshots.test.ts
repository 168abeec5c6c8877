import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PLANTED_SECRETS } from '../../src/demo/demo-library.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { readPdf } from '../export/pdf-text.ts';
import { caller, connectInMemory, errorText, ok, openTestMcp, type TestMcp } from '../support/mcp-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { eventually as waitFor } from '../support/eventually.ts';

// better-chatbot's own shapes (src/types/agent.ts AgentCreateSchema with ChatMentionSchema; src/types/workflow.ts
// DBWorkflow / DBNode / DBEdge as its structure API takes them), written out here to check re-importability.
const emoji = z.object({ type: z.literal('emoji'), value: z.string(), style: z.record(z.string(), z.string()).optional() });
const appMention = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mcpTool'), name: z.string(), description: z.string().optional(), serverName: z.string().optional(), serverId: z.string() }),
  z.object({ type: z.literal('defaultTool'), name: z.string(), label: z.string(), description: z.string().optional() }),
  z.object({ type: z.literal('mcpServer'), name: z.string(), description: z.string().optional(), toolCount: z.number().optional(), serverId: z.string() }),
  z.object({ type: z.literal('workflow'), name: z.string(), description: z.string().nullish(), workflowId: z.string(), icon: emoji.nullish() }),
  z.object({ type: z.literal('agent'), name: z.string(), description: z.string().nullish(), agentId: z.string(), icon: emoji.nullish() }),
]);
const appAgentCreate = z.object({
  name: z.string().min(1).max(100),
  description: z.string().max(8000).optional(),
  icon: emoji.optional(),
  userId: z.string(),
  instructions: z.object({ role: z.string().optional(), systemPrompt: z.string().optional(), mentions: z.array(appMention).optional() }),
  visibility: z.enum(['public', 'private', 'readonly']).optional().default('private'),
});
const appWorkflowStructure = z.object({
  workflow: z.object({ name: z.string(), description: z.string().nullable(), icon: emoji.nullable(), version: z.string(), isPublished: z.boolean(), visibility: z.enum(['public', 'private', 'readonly']) }),
  nodes: z.array(z.object({ id: z.uuid(), version: z.string(), kind: z.enum(['input', 'llm', 'condition', 'note', 'tool', 'http', 'template', 'code', 'output']), name: z.string(), description: z.string().nullable(), nodeConfig: z.record(z.string(), z.unknown()), uiConfig: z.record(z.string(), z.unknown()) })),
  edges: z.array(z.object({ id: z.uuid(), version: z.string(), source: z.uuid(), target: z.uuid(), uiConfig: z.object({ sourceHandle: z.string().optional(), targetHandle: z.string().optional() }).loose() })),
});

interface Owned {
  id: string;
  user_id: string;
  visibility: string;
  name: string;
}

describe('archive_agent and archive_workflow: snapshots, visibility, redaction', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let worker: WorkerHandle;
  let exportDir: string;
  const logLines: string[] = [];
  let agents: Owned[];
  let workflows: Owned[];
  const clients = new Map<string, Client>();

  beforeAll(async () => {
    db = await createTestDatabase();
    mcp = await openTestMcp(db);
    // The worker writes where the MCP server's store reads.
    exportDir = mcp.exportDir;
    const logSink = new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) });
    worker = await startWorker({ config: db.config({ EXPORT_DIR: exportDir }), serviceUrl: db.serviceUrl, log: createLogger('trace', logSink), concurrency: 2, tuning: { pollingIntervalSeconds: 0.5 } });
    agents = (await sql<Owned>`SELECT id, user_id, visibility, name FROM agent ORDER BY name, id`.execute(db.owner)).rows;
    workflows = (await sql<Owned>`SELECT id, user_id, visibility, name FROM workflow ORDER BY id`.execute(db.owner)).rows;
  });
  afterAll(async () => {
    for (const c of clients.values()) await c.close();
    await worker?.stop();
    await mcp?.close();
    await db?.drop();
    await rm(exportDir, { recursive: true, force: true });
  });

  const clientOf = async (userId: string) => {
    let client = clients.get(userId);
    if (!client) clients.set(userId, (client = await connectInMemory(mcp.deps, caller(userId))));
    return client;
  };
  async function run(userId: string, tool: string, args: Record<string, unknown>) {
    const client = await clientOf(userId);
    const { jobId } = ok<{ jobId: string }>(await client.callTool({ name: tool, arguments: args }));
    const view = await waitFor('the snapshot job', async () => {
      const v = ok<{ done: boolean; state: string; result: Record<string, unknown> | null; error: string | null }>(await client.callTool({ name: 'get_job', arguments: { jobId } }));
      return v.done ? v : undefined;
    });
    expect(view.error).toBeNull();
    expect(view.state).toBe('completed');
    const result = view.result as { archiveId: string; archiveItemId: string; storageLocation: string; tokensCount: number };
    // Agents see the key inside the export store, never a server path.
    expect(result.storageLocation).toMatch(new RegExp(`^${result.archiveId}/[^/]+$`));
    return { ...result, storageLocation: path.join(exportDir, result.storageLocation) };
  }
  const itemOf = async (archiveItemId: string) =>
    (await sql<{ item_id: string; item_type: string; tokens_count: number; content_summary: string; mcp_analysis: unknown; metadata: { redactedPaths: { path: string; kind: string }[] } }>`
      SELECT item_id, item_type, tokens_count, content_summary, mcp_analysis, metadata FROM archive_item WHERE id = ${archiveItemId}`.execute(db.owner)).rows[0]!;

  it('archives a workflow re-importably, with every planted credential replaced by a marker and its path recorded', async () => {
    const workflow = workflows[0]!;
    const result = await run(workflow.user_id, 'archive_workflow', { workflowId: workflow.id, name: 'Digest before the rewrite' });
    const file = await readFile(result.storageLocation, 'utf8');
    const exported = JSON.parse(file) as Record<string, unknown>;
    const structure = appWorkflowStructure.parse(exported);
    const nodes = (await sql<{ id: string; kind: string }>`SELECT id, kind FROM workflow_node WHERE workflow_id = ${workflow.id}`.execute(db.owner)).rows;
    const edges = (await sql<{ id: string; source: string; target: string }>`SELECT id, source, target FROM workflow_edge WHERE workflow_id = ${workflow.id}`.execute(db.owner)).rows;
    expect(new Set(structure.nodes.map((n) => n.id))).toEqual(new Set(nodes.map((n) => n.id)));
    expect(new Set(structure.nodes.map((n) => n.kind))).toEqual(new Set(['input', 'llm', 'condition', 'note', 'tool', 'http', 'template', 'code', 'output']));
    expect(structure.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(edges.map((e) => `${e.source}>${e.target}`).sort());
    for (const secret of Object.values(PLANTED_SECRETS)) expect(file).not.toContain(secret);
    const http = structure.nodes.find((n) => n.kind === 'http')!.nodeConfig as { url: string; headers: { key: string; value: unknown }[]; query: { key: string; value: unknown }[]; body: string };
    expect(http.headers.map((h) => h.key)).toEqual(['Authorization', 'X-Api-Key', 'X-Repo']);
    expect(http.headers[0]!.value).toBe('[redacted header value]');
    expect(http.headers[2]!.value).toMatchObject({ path: ['repo'] });
    expect(http.query[0]!.value).toBe('[redacted query value]');
    expect(http.url).toContain('metrics.example.com/v1/repos?token=%5Bredacted%20url%20credential%20parameter%5D&page=1');
    expect(http.body).toContain('[redacted api key]');
    expect(http.body).toContain('[redacted aws access key]');
    expect(http.body).toContain('[redacted jwt]');

    const item = await itemOf(result.archiveItemId);
    expect(item).toMatchObject({ item_id: workflow.id, item_type: 'workflow' });
    const httpIndex = structure.nodes.findIndex((n) => n.kind === 'http');
    expect(item.metadata.redactedPaths).toEqual(expect.arrayContaining([
      { path: `nodes[${httpIndex}].nodeConfig.headers[0].value`, kind: 'header value' },
      { path: `nodes[${httpIndex}].nodeConfig.headers[1].value`, kind: 'header value' },
      { path: `nodes[${httpIndex}].nodeConfig.query[0].value`, kind: 'query value' },
      { path: `nodes[${httpIndex}].nodeConfig.url`, kind: 'url userinfo' },
      { path: `nodes[${httpIndex}].nodeConfig.url`, kind: 'url credential parameter' },
      { path: `nodes[${httpIndex}].nodeConfig.body`, kind: 'jwt' },
    ]));
    expect(item.mcp_analysis).toMatchObject({
      nodeCount: 9,
      edgeCount: 9,
      nodesByKind: { input: 1, llm: 1, condition: 1, note: 1, tool: 1, http: 1, template: 1, code: 1, output: 1 },
      tools: [{ type: 'mcp-tool', tool: 'search_issues', server: 'github', nodes: 1 }],
      models: expect.arrayContaining([{ provider: 'openai', model: 'gpt-4.1', nodes: 1 }, { provider: 'anthropic', model: 'claude-sonnet-4', nodes: 1 }]),
      longestPath: { length: 7, nodes: ['INPUT', 'Classify', 'Busy?', 'Fetch metrics', 'Shape metrics', 'Digest', 'OUTPUT'] },
      conditionBranches: 3,
    });
    expect(item.content_summary).toMatch(/9 nodes .* 9 edges/);
  });

  it('renders a Mermaid flowchart with labelled branches in Markdown, and the nodes and edges in the PDF', async () => {
    const workflow = workflows[1]!;
    const md = await readFile((await run(workflow.user_id, 'archive_workflow', { workflowId: workflow.id, name: 'As Markdown', exportFormat: 'markdown' })).storageLocation, 'utf8');
    expect(md).toMatch(/```mermaid\nflowchart LR\n/);
    const idOf = (shape: RegExp) => new RegExp(`^  (n\\d+)${shape.source}$`, 'm').exec(md)?.[1];
    const condition = idOf(/\{"Busy\? \(condition\)"\}/);
    const tool = idOf(/\[\["Search issues \(tool\)"\]\]/);
    const http = idOf(/\[\/"Fetch metrics \(http\)"\/\]/);
    const template = idOf(/\["Digest \(template\)"\]/);
    expect([condition, tool, http, template].every(Boolean)).toBe(true);
    expect(md).toContain(`  ${condition} -->|"if"| ${tool}\n`);
    expect(md).toContain(`  ${condition} -->|"else if 1"| ${http}\n`);
    expect(md).toContain(`  ${condition} -->|"else"| ${template}\n`);
    const pdf = readPdf(await readFile((await run(workflow.user_id, 'archive_workflow', { workflowId: workflow.id, name: 'As PDF', exportFormat: 'pdf' })).storageLocation));
    const text = pdf.pages.join('\n');
    for (const name of ['Fetch metrics', 'Shape metrics', 'Busy?', 'Edges', 'Redacted values']) expect(text).toContain(name);
    for (const secret of Object.values(PLANTED_SECRETS)) {
      expect(md).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
  });

  it('answers another user\'s private agent or workflow exactly like an unknown id, and snapshots their public ones', async () => {
    const privateWorkflow = workflows.find((w) => w.visibility === 'private')!;
    const publicWorkflow = workflows.find((w) => w.visibility !== 'private')!;
    const stranger = workflows.find((w) => w.user_id !== privateWorkflow.user_id && w.user_id !== publicWorkflow.user_id)!.user_id;
    const client = await clientOf(stranger);
    expect(errorText(await client.callTool({ name: 'archive_workflow', arguments: { workflowId: privateWorkflow.id, name: 'x' } }))).toBe(`workflow ${privateWorkflow.id} not found`);
    expect(errorText(await client.callTool({ name: 'archive_workflow', arguments: { workflowId: '00000000-0000-4000-8000-000000000000', name: 'x' } }))).toBe('workflow 00000000-0000-4000-8000-000000000000 not found');
    const privateAgent = agents.find((a) => a.visibility === 'private' && a.user_id !== stranger)!;
    expect(errorText(await client.callTool({ name: 'archive_agent', arguments: { agentId: privateAgent.id, name: 'x' } }))).toBe(`agent ${privateAgent.id} not found`);
    await run(stranger, 'archive_workflow', { workflowId: publicWorkflow.id, name: 'Someone else\'s public workflow' });
    const publicAgent = agents.find((a) => a.visibility === 'public' && a.user_id !== stranger)!;
    const result = await run(stranger, 'archive_agent', { agentId: publicAgent.id, name: 'Someone else\'s public agent' });
    // Usage covers the caller's own threads only.
    expect(((await itemOf(result.archiveItemId)).mcp_analysis as { usage: { messages: number } }).usage.messages).toBe(0);
    expect(errorText(await client.callTool({ name: 'archive_agent', arguments: { agentId: publicAgent.id, name: 'n'.repeat(101) } }))).toMatch(/name: must be at most 100 characters/);
    expect(errorText(await client.callTool({ name: 'archive_workflow', arguments: { workflowId: publicWorkflow.id, name: 'x', description: 'd'.repeat(501) } }))).toMatch(/description: must be at most 500 characters/);
  });

  it('archives an agent re-importably, mentions resolved, with its usage computed over every message it answered', async () => {
    const agent = agents.find((a) => a.name === 'Research Helper')!;
    const result = await run(agent.user_id, 'archive_agent', { agentId: agent.id, name: 'Research Helper as of today' });
    const exported = JSON.parse(await readFile(result.storageLocation, 'utf8')) as { agent: unknown; mentions: { type: string; resolvedName: string | null }[]; usage: Record<string, unknown> };
    const reimported = appAgentCreate.parse({ ...(exported.agent as object), userId: agent.user_id });
    expect(reimported.instructions.mentions?.map((m) => m.type).sort()).toEqual(['agent', 'defaultTool', 'mcpServer', 'mcpTool', 'workflow']);
    expect(exported.mentions.every((m) => m.resolvedName !== null)).toBe(true);
    expect(exported.mentions.find((m) => m.type === 'agent')!.resolvedName).toBe('Code Reviewer');
    expect(exported.mentions.find((m) => m.type === 'workflow')!.resolvedName).toBe('Weekly repository digest');

    const expected = (await sql<{ messages: number; threads: number; total: number; first: string; last: string }>`
      SELECT count(*)::int AS messages, count(DISTINCT m.thread_id)::int AS threads,
             coalesce(sum((m.metadata -> 'usage' ->> 'totalTokens')::numeric), 0)::float8 AS total,
             to_char(min(m.created_at), 'YYYY-MM-DD"T"HH24:MI:SS') AS first, to_char(max(m.created_at), 'YYYY-MM-DD"T"HH24:MI:SS') AS last
      FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id
      WHERE m.metadata ->> 'agentId' = ${agent.id} AND t.user_id = ${agent.user_id}`.execute(db.owner)).rows[0]!;
    expect(expected.messages).toBeGreaterThan(0);
    const usage = exported.usage as { messages: number; threads: number; firstUsedAt: string; lastUsedAt: string; models: { totalTokens: number; countedTokens: number }[]; tools: { calls: number; errors: number; errorRate: number }[]; perDay: { messages: number }[] };
    expect(usage).toMatchObject({ messages: expected.messages, threads: expected.threads });
    expect(usage.firstUsedAt.slice(0, 19)).toBe(expected.first);
    expect(usage.lastUsedAt.slice(0, 19)).toBe(expected.last);
    expect(usage.models.reduce((s, m) => s + m.totalTokens, 0)).toBe(expected.total);
    expect(usage.models.every((m) => m.countedTokens > 0)).toBe(true);
    expect(usage.perDay.reduce((s, d) => s + d.messages, 0)).toBe(expected.messages);
    expect(usage.tools.length).toBeGreaterThan(0);
    for (const t of usage.tools) expect(t.errorRate).toBeCloseTo(t.errors / t.calls);

    const item = await itemOf(result.archiveItemId);
    expect(item).toMatchObject({ item_id: agent.id, item_type: 'agent' });
    expect(item.tokens_count).toBeGreaterThan(10);
    expect(item.content_summary).toMatch(/^Role: Research assistant\. Prompt: You find primary sources/);
    const md = await readFile((await run(agent.user_id, 'archive_agent', { agentId: agent.id, name: 'As Markdown', exportFormat: 'markdown' })).storageLocation, 'utf8');
    expect(md).toContain('## Usage');
    expect(md).toContain('Weekly repository digest');
    const pdf = readPdf(await readFile((await run(agent.user_id, 'archive_agent', { agentId: agent.id, name: 'As PDF', exportFormat: 'pdf' })).storageLocation));
    expect(pdf.pages.join('\n')).toContain('Activity per day');
  });

  it('leaves no planted credential anywhere: not in a dump of the whole database beyond the app\'s own rows, export files or logs', async () => {
    const workflow = workflows[2]!;
    for (const exportFormat of ['json', 'markdown', 'pdf']) await run(workflow.user_id, 'archive_workflow', { workflowId: workflow.id, name: `Scan ${exportFormat}`, exportFormat });
    const dump = await dumpEveryRow(db);
    const stdout = [...dump.values()].join('\n');
    const found: string[] = [];
    for (const [table, rows] of dump) {
      for (const [name, secret] of Object.entries(PLANTED_SECRETS)) {
        if (rows.includes(secret) && !['public.workflow_node', 'public.mcp_server'].includes(table)) found.push(`${name} in ${table}`);
      }
    }
    expect(found).toEqual([]);
    // The planted values really are in the dump (the app's own rows), so the scan would have seen a leak.
    expect(stdout).toContain(PLANTED_SECRETS.bearer);
    expect(stdout).toContain(PLANTED_SECRETS.mcpServerHeader);

    const files = (await readdir(exportDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const bytes = await readFile(path.join(file.parentPath, file.name));
      const text = file.name.endsWith('.pdf') ? readPdf(bytes).pages.join('\n') + bytes.toString('latin1') : bytes.toString('utf8');
      for (const secret of Object.values(PLANTED_SECRETS)) expect(text, file.name).not.toContain(secret);
    }
    const logs = logLines.join('');
    expect(logs).toContain('workflow archived');
    for (const secret of Object.values(PLANTED_SECRETS)) expect(logs).not.toContain(secret);
    const searchDocs = (await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM mcp_archiver.search_document d JOIN archive_item i ON i.id = d.archive_item_id WHERE i.item_type <> 'thread'`.execute(db.owner)).rows[0]!;
    expect(searchDocs.n).toBe(0);
  });
});

/**
 * The text of every row of every table of every schema, by table (what a data-only dump holds). Read with SQL rather
 * than pg_dump, whose version must match the server's (the embedded server is newer than a distribution's pg_dump).
 */
async function dumpEveryRow(db: TestDatabase): Promise<Map<string, string>> {
  const tables = await sql<{ name: string; quoted: string }>`
    SELECT format('%s.%s', n.nspname, c.relname) AS name, format('%I.%I', n.nspname, c.relname) AS quoted
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  `.execute(db.owner);
  const dump = new Map<string, string>();
  for (const { name, quoted } of tables.rows) {
    const rows = await sql<{ text: string | null }>`SELECT string_agg(t::text, E'\n') AS text FROM ${sql.raw(quoted)} t`.execute(db.owner);
    dump.set(name, rows.rows[0]?.text ?? '');
  }
  return dump;
}
