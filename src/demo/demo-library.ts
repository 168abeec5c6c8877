import { createHash } from 'node:crypto';
import type { DemoAgent, DemoMcpServer, DemoUser } from './demo-data.ts';

/**
 * What the demo users built besides conversations: agent instructions that mention every kind of thing a chat
 * mention can point to, and workflows with every node kind, whose HTTP nodes carry credentials the way real ones
 * do (headers, query values, URL userinfo, keys pasted into bodies). Pure and deterministic; ids derive from the
 * seed so the conversation data's random sequence is untouched.
 */

/** Credentials planted in the demo workflows; none may ever leave the host tables they were written to. */
export const PLANTED_SECRETS = {
  bearer: 'demo-planted-bearer-7Qm2xV9kLp3Rt8Wz',
  apiKeyHeader: 'demo-planted-header-H4nK8sT2qW6e',
  queryValue: 'demo-planted-query-value-P9dF3gH7',
  urlPassword: 'demo-planted-url-password-Zx81Ny',
  urlToken: 'demo-planted-url-token-Kq55Lm02',
  openAiKey: 'sk-demoPlanted1234567890abcdefGHIJ',
  awsAccessKey: 'AKIADEMOPLANTED12345',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vLXBsYW50ZWQifQ.c2lnbmF0dXJlLWRlbW8tcGxhbnRlZA',
  mcpServerHeader: 'demo-planted-mcp-config-Bt6Yq3',
} as const;

export type AgentVisibility = 'private' | 'public' | 'readonly';

export interface DemoAgentRow extends DemoAgent {
  visibility: AgentVisibility;
  icon: { type: 'emoji'; value: string };
  instructions: { role: string; systemPrompt: string; mentions: Record<string, unknown>[] };
}

export interface DemoWorkflowRow {
  id: string;
  userId: string;
  name: string;
  description: string;
  icon: { type: 'emoji'; value: string };
  isPublished: boolean;
  visibility: AgentVisibility;
  nodes: { id: string; kind: string; name: string; description: string | null; nodeConfig: Record<string, unknown>; uiConfig: Record<string, unknown> }[];
  edges: { id: string; source: string; target: string; uiConfig: Record<string, unknown> }[];
}

export interface DemoLibrary {
  agents: DemoAgentRow[];
  workflows: DemoWorkflowRow[];
}

const AGENT_STYLE: Record<string, { visibility: AgentVisibility; emoji: string; role: string; prompt: string }> = {
  'Research Helper': {
    visibility: 'private',
    emoji: '🔎',
    role: 'Research assistant',
    prompt: 'You find primary sources, quote them exactly and cite every claim with a link. Prefer recent, peer-reviewed work.',
  },
  'Code Reviewer': {
    visibility: 'public',
    emoji: '🧑‍💻',
    role: 'Senior reviewer',
    prompt: 'You review TypeScript and SQL changes for correctness first, then clarity. Point to the exact line and suggest a fix.',
  },
};

export function buildDemoLibrary(seed: number, users: readonly DemoUser[], agents: readonly DemoAgent[], servers: readonly DemoMcpServer[]): DemoLibrary {
  const id = idSource(seed);
  const workflows: DemoWorkflowRow[] = [];
  for (const [u, user] of users.entries()) {
    const github = servers.find((s) => s.userId === user.id && s.name === 'github');
    workflows.push(digestWorkflow(id, user, github, u));
  }
  const rows: DemoAgentRow[] = [];
  for (const agent of agents) {
    const style = AGENT_STYLE[agent.name] ?? { visibility: 'private' as const, emoji: '🤖', role: agent.name, prompt: `You are ${agent.name}.` };
    const github = servers.find((s) => s.userId === agent.userId && s.name === 'github');
    const workflow = workflows.find((w) => w.userId === agent.userId);
    const sibling = agents.find((a) => a.userId === agent.userId && a.id !== agent.id);
    const mentions: Record<string, unknown>[] = [{ type: 'defaultTool', name: 'webSearch', label: 'Web search' }];
    if (github) {
      mentions.push({ type: 'mcpServer', name: github.name, serverId: github.id, toolCount: 3 });
      mentions.push({ type: 'mcpTool', name: 'search_issues', serverId: github.id, serverName: github.name, description: 'Search issues' });
    }
    if (workflow) mentions.push({ type: 'workflow', name: workflow.name, workflowId: workflow.id, icon: workflow.icon, description: workflow.description });
    if (sibling) mentions.push({ type: 'agent', name: sibling.name, agentId: sibling.id, icon: { type: 'emoji', value: '🤖' } });
    rows.push({
      ...agent,
      visibility: style.visibility,
      icon: { type: 'emoji', value: style.emoji },
      instructions: { role: style.role, systemPrompt: style.prompt, mentions },
    });
  }
  return { agents: rows, workflows };
}

/** A workflow with one node of every kind: input → llm → condition → (tool | http → code) → template → output. */
function digestWorkflow(id: () => string, user: DemoUser, github: DemoMcpServer | undefined, index: number): DemoWorkflowRow {
  const n = {
    workflow: id(), input: id(), llm: id(), condition: id(), tool: id(), http: id(), code: id(), template: id(), output: id(), note: id(),
  };
  const ref = (nodeId: string, ...path: string[]) => ({ nodeId, path });
  const text = (t: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: t }] }] });
  const outputSchema = { type: 'object', properties: {} };
  const at = (x: number, y: number) => ({ position: { x, y }, type: 'default' });
  const nodes: DemoWorkflowRow['nodes'] = [
    { id: n.input, kind: 'input', name: 'INPUT', description: 'The repository to digest', nodeConfig: { kind: 'input', outputSchema: { type: 'object', properties: { repo: { type: 'string' } } } }, uiConfig: at(0, 0) },
    {
      id: n.llm, kind: 'llm', name: 'Classify', description: 'Decide whether the repository is busy',
      nodeConfig: { kind: 'llm', outputSchema, model: { provider: 'openai', model: 'gpt-4.1' }, messages: [{ role: 'system', content: text('Answer busy or quiet.') }, { role: 'user', content: text('Repository: {{repo}}') }] },
      uiConfig: at(250, 0),
    },
    {
      id: n.condition, kind: 'condition', name: 'Busy?', description: null,
      nodeConfig: {
        kind: 'condition', outputSchema,
        branches: {
          if: { id: 'if', type: 'if', logicalOperator: 'AND', conditions: [{ source: ref(n.llm, 'answer'), operator: 'contains', value: 'busy' }] },
          elseIf: [{ id: 'elseif-1', type: 'elseIf', logicalOperator: 'AND', conditions: [{ source: ref(n.llm, 'answer'), operator: 'contains', value: 'unknown' }] }],
          else: { id: 'else', type: 'else', logicalOperator: 'AND', conditions: [] },
        },
      },
      uiConfig: at(500, 0),
    },
    {
      id: n.tool, kind: 'tool', name: 'Search issues', description: 'Open issues of the repository',
      nodeConfig: {
        kind: 'tool', outputSchema, model: { provider: 'anthropic', model: 'claude-sonnet-4' },
        tool: github
          ? { id: 'search_issues', description: 'Search issues', type: 'mcp-tool', serverId: github.id, serverName: github.name }
          : { id: 'webSearch', description: 'Search the web', type: 'app-tool' },
        message: text('Find open issues in {{repo}}'),
      },
      uiConfig: at(750, -120),
    },
    {
      id: n.http, kind: 'http', name: 'Fetch metrics', description: 'Calls the metrics API',
      nodeConfig: {
        kind: 'http', outputSchema, method: 'POST', timeout: 10_000,
        url: `https://svc-user:${PLANTED_SECRETS.urlPassword}@metrics.example.com/v1/repos?token=${PLANTED_SECRETS.urlToken}&page=1`,
        headers: [
          { key: 'Authorization', value: `Bearer ${PLANTED_SECRETS.bearer}` },
          { key: 'X-Api-Key', value: PLANTED_SECRETS.apiKeyHeader },
          { key: 'X-Repo', value: ref(n.input, 'repo') },
        ],
        query: [
          { key: 'api_key', value: PLANTED_SECRETS.queryValue },
          { key: 'repo', value: ref(n.input, 'repo') },
        ],
        body: JSON.stringify({ openai: PLANTED_SECRETS.openAiKey, aws: PLANTED_SECRETS.awsAccessKey, session: PLANTED_SECRETS.jwt, note: 'weekly' }),
      },
      uiConfig: at(750, 120),
    },
    { id: n.code, kind: 'code', name: 'Shape metrics', description: 'Keeps the counts', nodeConfig: { kind: 'code', outputSchema, language: 'javascript', code: 'return { count: input.items.length };' }, uiConfig: at(1000, 120) },
    {
      id: n.template, kind: 'template', name: 'Digest', description: null,
      nodeConfig: { kind: 'template', outputSchema, template: { type: 'tiptap', tiptap: text('Weekly digest for {{repo}}') } },
      uiConfig: at(1250, 0),
    },
    { id: n.output, kind: 'output', name: 'OUTPUT', description: null, nodeConfig: { kind: 'output', outputSchema, outputData: [{ key: 'digest', source: ref(n.template, 'template') }] }, uiConfig: at(1500, 0) },
    { id: n.note, kind: 'note', name: 'Note', description: 'Runs every Monday from the scheduler', nodeConfig: { kind: 'note', outputSchema }, uiConfig: at(0, 200) },
  ];
  const edge = (source: string, target: string, sourceHandle?: string) => ({
    id: id(), source, target, uiConfig: sourceHandle ? { sourceHandle, targetHandle: 'left' } : {},
  });
  const edges = [
    edge(n.input, n.llm),
    edge(n.llm, n.condition),
    edge(n.condition, n.tool, 'if'),
    edge(n.condition, n.http, 'elseif-1'),
    edge(n.condition, n.template, 'else'),
    edge(n.http, n.code),
    edge(n.tool, n.template),
    edge(n.code, n.template),
    edge(n.template, n.output),
  ];
  const visibility: AgentVisibility = index % 3 === 0 ? 'private' : index % 3 === 1 ? 'public' : 'readonly';
  return {
    id: n.workflow,
    userId: user.id,
    name: 'Weekly repository digest',
    description: 'Classifies a repository, gathers issues or metrics, and writes a digest',
    icon: { type: 'emoji', value: '📰' },
    isPublished: index % 2 === 0,
    visibility,
    nodes,
    edges,
  };
}

/** Name-based ids (sha256 of seed and counter, in the uuid v4 layout): deterministic, and distinct from the data's. */
function idSource(seed: number): () => string {
  let counter = 0;
  return () => {
    const bytes = createHash('sha256').update(`demo-library:${seed}:${counter++}`).digest();
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const h = bytes.subarray(0, 16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
}
