// 12. Snapshots and many-thread archives: `archive-agent` for an agent with a year of usage, `archive-workflow` for a
// 30-node workflow, and one `archive-conversations` of 500 threads (quick: 50), each run by a `chat-archiver worker`
// process, against the floor of the same worker archiving one 4-message thread.
//   node bench/agents-workflows.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { archiveAgentJob } from '../src/jobs/archive-agent.ts';
import { archiveConversationJob } from '../src/jobs/archive-conversation.ts';
import { archiveConversationsJob } from '../src/jobs/archive-conversations.ts';
import { archiveWorkflowJob } from '../src/jobs/archive-workflow.ts';
import { createBoss } from '../src/jobs/boss.ts';
import type { JobDefinition } from '../src/jobs/job-definition.ts';
import { enqueue, ensureQueues } from '../src/jobs/registry.ts';
import { benchAdminUrl, createBenchDatabase, type BenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { CLI_SCRIPT, startChildService, WORKER_READY } from './support/child-service.ts';
import { markdownTable } from './support/markdown-table.ts';
import { waitForJobs } from './support/queue-jobs.ts';
import { fixed, median } from './support/stats.ts';

const run = startBenchRun();
const THREADS = run.quick ? 50 : 500;
/** Agent answers over the year, in 52 weekly threads. */
const ANSWERS_PER_WEEK = run.quick ? 40 : 400;
const AGENT_MESSAGES = ANSWERS_PER_WEEK * 52;
const WORKFLOW_NODES = 30;
const REPEATS = 3;

progress(`agents-workflows: seeding ${THREADS} threads`);
const db = await createBenchDatabase(benchAdminUrl(), { users: 1, threadsPerUser: THREADS, messagesPerThread: 4 });
const user = (await db.owner.selectFrom('chat_thread').select('user_id').executeTakeFirstOrThrow()).user_id;
const threads = (await db.owner.selectFrom('chat_thread').select('id').orderBy('id').execute()).map((t) => t.id);
const agentId = await seedAgentYear(db, user, ANSWERS_PER_WEEK);
const { workflowId, edgeCount } = await seedWorkflow(db, user, WORKFLOW_NODES);
await sql`ANALYZE`.execute(db.owner);

const exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-snapshots-'));
const client = createBoss(db.serviceUrl, { instanceName: 'bench-client', max: 2 });
await client.start();
await ensureQueues(client);
const worker = await startChildService(CLI_SCRIPT, ['worker', '--concurrency', '2'], { ...db.env, EXPORT_DIR: exportDir }, WORKER_READY);

interface Timing {
  /** Enqueue to completion, as the caller waits (includes pickup). */
  wall: number[];
  /** pg-boss's started_on → completed_on: the handler's own time. */
  job: number[];
  /** The export file of the last run. */
  fileSize: number;
  /** The archive item's summary of the last run. */
  summary: string;
}

/** Runs one job `REPEATS` times (a new archive each time), one after the other. */
async function timeJob<P>(def: JobDefinition<P>, payload: (i: number) => unknown): Promise<Timing> {
  const timing: Timing = { wall: [], job: [], fileSize: 0, summary: '' };
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const { jobId } = await enqueue(client, def, payload(i));
    const done = await waitForJobs(db.owner, def.queue, [jobId], 10 * 60_000);
    if (done.failed) throw new Error(`${def.queue} job ${jobId} failed`);
    timing.wall.push((performance.now() - started) / 1000);
    timing.job.push(done.seconds);
    const { rows } = await sql<{ file_size: number; summary: string }>`
      SELECT (j.output->>'fileSize')::int AS file_size, i.content_summary AS summary
      FROM pgboss.job j JOIN archive_item i ON i.archive_id = (j.output->>'archiveId')::uuid
      WHERE j.name = ${def.queue} AND j.id = ${jobId}::uuid`.execute(db.owner);
    timing.fileSize = rows[0]?.file_size ?? 0;
    timing.summary = rows[0]?.summary ?? '';
  }
  return timing;
}

let floor: Timing;
let agent: Timing;
let workflow: Timing;
let many: { wall: number; children: number; childSeconds: number };
try {
  progress(`agents-workflows: floor, one 4-message thread (load ${run.sampleLoad()})`);
  floor = await timeJob(archiveConversationJob, (i) => ({ threadId: threads[i]!, name: `floor ${i}`, exportFormat: 'json', requestedBy: user }));
  progress(`agents-workflows: agent with ${AGENT_MESSAGES} answers over a year (load ${run.sampleLoad()})`);
  agent = await timeJob(archiveAgentJob, (i) => ({ agentId, name: `agent ${i}`, exportFormat: 'json', requestedBy: user }));
  progress(`agents-workflows: ${WORKFLOW_NODES}-node workflow (load ${run.sampleLoad()})`);
  workflow = await timeJob(archiveWorkflowJob, (i) => ({ workflowId, name: `workflow ${i}`, exportFormat: 'json', requestedBy: user }));
  if (!workflow.summary.includes(`${WORKFLOW_NODES} nodes`)) throw new Error(`the workflow snapshot does not describe ${WORKFLOW_NODES} nodes: ${workflow.summary}`);

  progress(`agents-workflows: archive-conversations of ${THREADS} threads (load ${run.sampleLoad()})`);
  const started = performance.now();
  const parent = await enqueue(client, archiveConversationsJob, { threadIds: threads, name: 'Everything', exportFormat: 'json', requestedBy: user, trigger: 'cli' });
  const parentDone = await waitForJobs(db.owner, archiveConversationsJob.queue, [parent.jobId], 10 * 60_000);
  if (parentDone.failed) throw new Error('the archive-conversations job failed');
  const { rows } = await sql<{ id: string }>`SELECT id FROM pgboss.job WHERE name = ${archiveConversationJob.queue} AND data->>'parentJobId' = ${parent.jobId}`.execute(db.owner);
  const children = await waitForJobs(db.owner, archiveConversationJob.queue, rows.map((r) => r.id), 30 * 60_000);
  if (children.failed || children.completed !== THREADS) throw new Error(`archive-conversations: ${children.completed} of ${THREADS} threads completed, ${children.failed} failed`);
  many = { wall: (performance.now() - started) / 1000, children: children.completed, childSeconds: children.seconds };
} finally {
  await worker.stop();
  await client.stop({ graceful: false });
  await db.drop();
  await rm(exportDir, { recursive: true, force: true });
}

const floorJob = median(floor.job);
const row = (what: string, t: Timing) => [what, fixed(median(t.wall), 2), fixed(median(t.job), 2), `${fixed(median(t.job) / floorJob, 1)}×`, fixed(t.fileSize / 1024, 0)];
printSection({
  id: 'agents-workflows',
  title: `11. Agent and workflow snapshots, and a ${THREADS}-thread archive`,
  body: [
    `A \`chat-archiver worker --concurrency 2\` process runs every job (JSON exports). Single jobs run ${REPEATS} times one ` +
      'after the other, each into a new archive; medians. "wall" = enqueue to completion as the caller waits (pickup ' +
      'included), "job" = pg-boss\'s start to completion. The floor is the same worker archiving one 4-message thread. ' +
      `The agent has ${AGENT_MESSAGES.toLocaleString('en-US')} answers (\`metadata.agentId\`) in 52 weekly threads over a year; ` +
      `the workflow ${WORKFLOW_NODES} nodes of every kind and ${edgeCount} edges. ${run.loadSummary()}.`,
    '',
    markdownTable(['job', '>wall s', '>job s', '>job / floor', '>export KB'], [
      row('archive-conversation, one 4-message thread (floor)', floor),
      row(`archive-agent, ${AGENT_MESSAGES.toLocaleString('en-US')} answers over a year`, agent),
      row(`archive-workflow, ${WORKFLOW_NODES} nodes`, workflow),
    ]),
    '',
    markdownTable(['>threads', '>wall s', '>first thread start → last thread done s', '>threads/s', '>per thread / floor'], [
      [THREADS, fixed(many.wall, 1), fixed(many.childSeconds, 1), fixed(THREADS / many.wall, 1), `${fixed(many.wall / THREADS / floorJob, 2)}×`],
    ]),
  ].join('\n'),
});

/** An agent of the user whose answers fill 52 weekly threads over the year before the demo's last day. */
async function seedAgentYear(bench: BenchDatabase, userId: string, answersPerWeek: number): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO agent (name, description, icon, user_id, instructions, visibility)
    VALUES ('Release helper', 'Answers release questions', ${JSON.stringify({ type: 'emoji', value: '🚀' })}, ${userId},
            ${JSON.stringify({ role: 'release manager', systemPrompt: 'You help with releases.', mentions: [{ type: 'defaultTool', name: 'webSearch' }] })}, 'private')
    RETURNING id`.execute(bench.owner);
  const id = rows[0]!.id;
  await sql`
    WITH weeks AS (
      INSERT INTO chat_thread (title, user_id, created_at)
      SELECT 'Release week ' || w, ${userId}, timestamp '2025-01-31' + (w * interval '7 days') FROM generate_series(0, 51) w
      RETURNING id, created_at)
    INSERT INTO chat_message (id, thread_id, role, parts, metadata, created_at)
    SELECT gen_random_uuid()::text, w.id, m.role,
           ARRAY[json_build_object('type', 'text', 'text', 'Answer ' || i || ': the release train leaves on Thursday; freeze the branch and tag the build.')]::json[],
           CASE WHEN m.role = 'assistant' THEN json_build_object('agentId', ${id}::text, 'chatModel', json_build_object('provider', 'openai', 'model', CASE WHEN i % 3 = 0 THEN 'gpt-4.1' ELSE 'gpt-4.1-mini' END),
                                                               'usage', json_build_object('inputTokens', 900 + i % 200, 'outputTokens', 120 + i % 50, 'totalTokens', 1020 + i % 250)) END,
           w.created_at + (i * interval '1 minute')
    FROM weeks w
    CROSS JOIN generate_series(1, ${answersPerWeek}) i
    CROSS JOIN (VALUES ('user'), ('assistant')) m(role)`.execute(bench.owner);
  return id;
}

/** A workflow of `size` nodes: input, then a chain of llm, http, tool, template, code and condition nodes, output. */
async function seedWorkflow(bench: BenchDatabase, userId: string, size: number): Promise<{ workflowId: string; edgeCount: number }> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO workflow (name, description, icon, user_id, is_published, visibility)
    VALUES ('Nightly report', 'Thirty steps from input to report', ${JSON.stringify({ type: 'emoji', value: '📈' })}, ${userId}, true, 'public')
    RETURNING id`.execute(bench.owner);
  const workflow = rows[0]!.id;
  const text = (t: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: t }] }] });
  const outputSchema = { type: 'object', properties: { result: { type: 'string' } } };
  const middle = ['llm', 'http', 'tool', 'template', 'code', 'condition'] as const;
  const nodes: { id: string; kind: string; config: Record<string, unknown> }[] = [];
  for (let i = 0; i < size; i++) {
    const kind = i === 0 ? 'input' : i === size - 1 ? 'output' : middle[(i - 1) % middle.length]!;
    const previous = nodes[i - 1]?.id;
    const ref = previous ? { nodeId: previous, path: ['result'] } : undefined;
    const config: Record<string, unknown> = { kind, outputSchema };
    if (kind === 'llm') Object.assign(config, { model: { provider: 'openai', model: 'gpt-4.1' }, messages: [{ role: 'system', content: text(`Step ${i}: summarise.`) }, { role: 'user', content: text('{{result}}') }] });
    if (kind === 'http') Object.assign(config, { method: 'GET', url: `https://api.example.com/v1/step/${i}?api_key=sk-bench-${i}-0123456789abcdef`, headers: [{ key: 'Authorization', value: `Bearer bench-token-${i}-0123456789` }], query: [{ key: 'q', value: ref }], timeout: 5000 });
    if (kind === 'tool') Object.assign(config, { model: { provider: 'anthropic', model: 'claude-sonnet-4' }, tool: { id: 'webSearch', description: 'Search the web', type: 'app-tool' }, message: text(`Search for step ${i}`) });
    if (kind === 'template') Object.assign(config, { template: { type: 'tiptap', tiptap: text(`Report part ${i}`) } });
    if (kind === 'code') Object.assign(config, { language: 'javascript', code: `return { result: String(input.length + ${i}) };` });
    if (kind === 'condition') Object.assign(config, { branches: { if: { id: 'if', type: 'if', logicalOperator: 'AND', conditions: [{ source: ref, operator: 'contains', value: 'ok' }] }, elseIf: [], else: { id: 'else', type: 'else', logicalOperator: 'AND', conditions: [] } } });
    if (kind === 'output') Object.assign(config, { outputData: [{ key: 'report', source: ref }] });
    const inserted = await sql<{ id: string }>`
      INSERT INTO workflow_node (workflow_id, kind, name, description, ui_config, node_config)
      VALUES (${workflow}, ${kind}, ${`${kind.toUpperCase()} ${i}`}, ${`Step ${i}`}, ${JSON.stringify({ position: { x: i * 200, y: 0 }, type: 'default' })}, ${JSON.stringify(config)})
      RETURNING id`.execute(bench.owner);
    nodes.push({ id: inserted.rows[0]!.id, kind, config });
  }
  const edges: [string, string, string | undefined][] = nodes.slice(1).map((n, i) => [nodes[i]!.id, n.id, nodes[i]!.kind === 'condition' ? 'if' : undefined]);
  // Two else branches that skip a step, as condition nodes do.
  const conditions = nodes.filter((n) => n.kind === 'condition').slice(0, 2);
  for (const c of conditions) {
    const skip = nodes[nodes.indexOf(c) + 2];
    if (skip) edges.push([c.id, skip.id, 'else']);
  }
  for (const [source, target, handle] of edges) {
    await sql`INSERT INTO workflow_edge (workflow_id, source, target, ui_config)
              VALUES (${workflow}, ${source}, ${target}, ${JSON.stringify(handle ? { sourceHandle: handle, targetHandle: 'left' } : {})})`.execute(bench.owner);
  }
  return { workflowId: workflow, edgeCount: edges.length };
}
