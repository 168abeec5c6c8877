import { z } from 'zod';
import { overviewSection, snapshotSubtitle, type SnapshotDocument } from '../export/snapshot-document.ts';
import { redactSecrets, type Redaction } from './secret-redaction.ts';

const iconSchema = z.object({ type: z.literal('emoji'), value: z.string(), style: z.record(z.string(), z.string()).optional() });
const mentionSchema = z.looseObject({ type: z.string(), name: z.string().catch('') });
const instructionsSchema = z.object({
  role: z.string().optional().catch(undefined),
  systemPrompt: z.string().optional().catch(undefined),
  mentions: z.array(z.unknown()).optional().catch(undefined),
});

/** The agent as better-chatbot's agent creation takes it (its AgentCreateSchema, without the importing user's id). */
export interface AgentCreateShape {
  name: string;
  description?: string;
  icon?: z.infer<typeof iconSchema>;
  instructions: { role?: string; systemPrompt?: string; mentions?: Record<string, unknown>[] };
  visibility: 'public' | 'private' | 'readonly';
}

export interface ResolvedMention {
  type: string;
  /** The name stored in the mention when it was made. */
  name: string;
  targetId: string | null;
  /** The name of what it points to now, where the agent's owner can see it; null when gone or hidden. */
  resolvedName: string | null;
  /** For MCP tools: the server's current name. */
  serverName: string | null;
}

/** Names of what mentions point to, as the owner can see them. */
export interface MentionNames {
  agents: ReadonlyMap<string, string>;
  workflows: ReadonlyMap<string, string>;
  mcpServers: ReadonlyMap<string, string>;
}

const targetOf = (m: Record<string, unknown>): string | null => {
  const id = m.type === 'agent' ? m.agentId : m.type === 'workflow' ? m.workflowId : m.type === 'mcpTool' || m.type === 'mcpServer' ? m.serverId : undefined;
  return typeof id === 'string' ? id : null;
};

/** Every id the mentions point to, by kind (for looking their names up). */
export function mentionTargets(instructions: unknown): { agents: string[]; workflows: string[]; mcpServers: string[] } {
  const mentions = instructionsSchema.catch({}).parse(instructions ?? {}).mentions ?? [];
  const out = { agents: [] as string[], workflows: [] as string[], mcpServers: [] as string[] };
  for (const raw of mentions) {
    const m = mentionSchema.safeParse(raw);
    if (!m.success) continue;
    const id = targetOf(m.data);
    if (!id) continue;
    if (m.data.type === 'agent') out.agents.push(id);
    else if (m.data.type === 'workflow') out.workflows.push(id);
    else out.mcpServers.push(id);
  }
  return out;
}

export interface AgentSnapshot {
  agent: AgentCreateShape;
  mentions: ResolvedMention[];
  redactions: Redaction[];
  /** Role and system prompt, the text the agent's tokens are counted on. */
  instructionsText: string;
  summary: string;
}

/** The re-importable agent with credentials removed from its instructions, and its mentions resolved. Pure. */
export function agentSnapshot(
  row: { name: string; description: string | null; icon: unknown; instructions: unknown; visibility: string },
  names: MentionNames,
): AgentSnapshot {
  const parsed = instructionsSchema.catch({}).parse(row.instructions ?? {});
  const mentions = (parsed.mentions ?? []).flatMap((raw) => {
    const m = mentionSchema.safeParse(raw);
    return m.success ? [m.data as Record<string, unknown>] : [];
  });
  const { value: instructions, redactions } = redactSecrets({
    ...(parsed.role !== undefined ? { role: parsed.role } : {}),
    ...(parsed.systemPrompt !== undefined ? { systemPrompt: parsed.systemPrompt } : {}),
    ...(parsed.mentions !== undefined ? { mentions } : {}),
  });
  const icon = iconSchema.safeParse(row.icon);
  const visibility = (['public', 'private', 'readonly'] as const).find((v) => v === row.visibility) ?? 'private';
  const agent: AgentCreateShape = {
    name: row.name,
    ...(row.description !== null ? { description: row.description } : {}),
    ...(icon.success ? { icon: icon.data } : {}),
    instructions,
    visibility,
  };
  const resolved = mentions.map((m): ResolvedMention => {
    const targetId = targetOf(m);
    const type = String(m.type);
    const lookup = type === 'agent' ? names.agents : type === 'workflow' ? names.workflows : names.mcpServers;
    const serverName = type === 'mcpTool' && targetId ? (names.mcpServers.get(targetId) ?? null) : null;
    const resolvedName =
      type === 'defaultTool' ? String(m.name) : type === 'mcpTool' ? (serverName ? String(m.name) : null) : targetId ? (lookup.get(targetId) ?? null) : null;
    return { type, name: String(m.name), targetId, resolvedName, serverName };
  });
  const role = instructions.role?.trim() ?? '';
  const prompt = (instructions.systemPrompt ?? '').replace(/\s+/g, ' ').trim();
  const promptSummary = prompt.length > 240 ? `${prompt.slice(0, prompt.lastIndexOf(' ', 239) > 120 ? prompt.lastIndexOf(' ', 239) : 239)}…` : prompt;
  return {
    agent,
    mentions: resolved,
    redactions,
    instructionsText: [role, instructions.systemPrompt ?? ''].filter(Boolean).join('\n\n'),
    summary: [role && `Role: ${role}.`, promptSummary && `Prompt: ${promptSummary}`].filter(Boolean).join(' ') || 'An agent without instructions',
  };
}

export interface AgentUsage {
  scope: 'requester-threads';
  threads: number;
  messages: number;
  firstUsedAt: string | null;
  lastUsedAt: string | null;
  perDay: { day: string; messages: number; threads: number }[];
  /** Provider-reported usage (message metadata) beside our own count of the answers' text. */
  models: { provider: string | null; model: string | null; messages: number; inputTokens: number; outputTokens: number; totalTokens: number; countedTokens: number }[];
  tools: { name: string; calls: number; errors: number; errorRate: number }[];
  encoding: string;
}

/** The agent snapshot as a document: the agent, its instructions and mentions, its usage. Pure. */
export function agentDocument(input: {
  snapshot: AgentSnapshot;
  usage: AgentUsage;
  source: { agentId: string; ownerId: string; createdAt: Date; updatedAt: Date };
  archiveName: string;
  takenAt: Date;
}): SnapshotDocument {
  const { agent } = input.snapshot;
  const u = input.usage;
  return {
    title: `${agent.icon?.value ? `${agent.icon.value} ` : ''}${agent.name}`,
    subtitle: snapshotSubtitle('Agent', input.takenAt, input.archiveName),
    sections: [
      overviewSection('Agent', agent.description, [
        ['Id', input.source.agentId],
        ['Owner', input.source.ownerId],
        ['Visibility', agent.visibility],
        ['Created', input.source.createdAt.toISOString()],
        ['Updated', input.source.updatedAt.toISOString()],
      ]),
      {
        heading: 'Instructions',
        blocks: [
          { kind: 'facts', rows: [['Role', agent.instructions.role ?? '(none)']] },
          { kind: 'code', language: 'text', text: agent.instructions.systemPrompt ?? '(no system prompt)' },
        ],
      },
      {
        heading: 'Mentions',
        blocks: [
          {
            kind: 'table',
            header: ['Kind', 'Name when mentioned', 'Points to now', 'Server'],
            rows: input.snapshot.mentions.map((m) => [m.type, m.name, m.resolvedName ?? '(not visible)', m.serverName ?? '']),
          },
        ],
      },
      {
        heading: 'Usage',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Threads', String(u.threads)],
              ['Messages answered', String(u.messages)],
              ['First use', u.firstUsedAt ?? 'never'],
              ['Last use', u.lastUsedAt ?? 'never'],
            ],
          },
          {
            kind: 'table',
            header: ['Provider', 'Model', 'Messages', 'Input (provider)', 'Output (provider)', 'Total (provider)', `Counted (${u.encoding})`],
            rows: u.models.map((m) => [m.provider ?? '', m.model ?? '', String(m.messages), String(m.inputTokens), String(m.outputTokens), String(m.totalTokens), String(m.countedTokens)]),
          },
          { kind: 'table', header: ['Tool', 'Calls', 'Errors', 'Error rate'], rows: u.tools.map((t) => [t.name, String(t.calls), String(t.errors), `${(t.errorRate * 100).toFixed(1)}%`]) },
        ],
      },
      { heading: 'Activity per day', blocks: [{ kind: 'table', header: ['Day', 'Messages', 'Threads'], rows: u.perDay.map((d) => [d.day, String(d.messages), String(d.threads)]) }] },
    ],
  };
}
