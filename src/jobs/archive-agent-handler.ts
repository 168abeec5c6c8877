import { extractMessageContent } from '../chat/message-content.ts';
import { agentDocument, agentSnapshot, mentionTargets, type AgentUsage } from '../snapshot/agent-snapshot.ts';
import { agentMessagePages, agentUsageAggregates, visibleAgent, visibleAgentNames, visibleWorkflowNames } from '../sql/agents.ts';
import { mcpServerNames } from '../sql/workflows.ts';
import { AGENT_EXPORT_FORMAT, type ArchiveAgentPayload } from './archive-agent.ts';
import type { SnapshotDeps } from './archive-workflow-handler.ts';
import { PermanentJobError } from './job-failure.ts';
import type { JobHandler } from './job-handler.ts';
import { renderSnapshotExport } from './snapshot-export.ts';
import { snapshotArchive, writeSnapshotItem, type SnapshotOutput } from './snapshot-item.ts';

const PAGE_SIZE = 1000;

const modelKey = (metadata: unknown): string => {
  const chatModel = metadata && typeof metadata === 'object' ? (metadata as { chatModel?: unknown }).chatModel : undefined;
  const field = (name: 'provider' | 'model') =>
    chatModel && typeof chatModel === 'object' && typeof (chatModel as Record<string, unknown>)[name] === 'string' ? String((chatModel as Record<string, unknown>)[name]) : '';
  return `${field('provider')}\u0000${field('model')}`;
};

/**
 * The `archive-agent` job: the agent as the caller may see it, its mentions resolved to what the owner can see, its
 * usage in the caller's threads aggregated by the database (our own token count streamed beside the provider's),
 * rendered and written as one `agent` item.
 */
export function createArchiveAgentHandler(deps: SnapshotDeps): JobHandler<ArchiveAgentPayload, SnapshotOutput> {
  return async (payload, context) => {
    const userId = payload.requestedBy;
    const row = await visibleAgent(deps.db, userId, payload.agentId);
    if (!row) throw new PermanentJobError('agent_not_found', `agent ${payload.agentId} does not exist or is not visible to user ${userId}`);
    const targets = mentionTargets(row.instructions);
    const snapshot = agentSnapshot(row, {
      agents: await visibleAgentNames(deps.db, row.userId, targets.agents),
      workflows: await visibleWorkflowNames(deps.db, row.userId, targets.workflows),
      mcpServers: await mcpServerNames(deps.db, row.userId, targets.mcpServers),
    });

    const counter = await deps.loadTokenCounter(deps.config.tokenEncoding);
    const aggregates = await agentUsageAggregates(deps.db, row.id, userId);
    const counted = new Map<string, number>();
    for await (const page of agentMessagePages(deps.db, row.id, userId, PAGE_SIZE)) {
      context.signal.throwIfAborted();
      for (const message of page) {
        const key = modelKey(message.metadata);
        counted.set(key, (counted.get(key) ?? 0) + counter.count(extractMessageContent(message.parts).text));
      }
    }
    const usage: AgentUsage = {
      scope: 'requester-threads',
      threads: aggregates.threads,
      messages: aggregates.messages,
      firstUsedAt: aggregates.firstUsedAt?.toISOString() ?? null,
      lastUsedAt: aggregates.lastUsedAt?.toISOString() ?? null,
      perDay: aggregates.perDay,
      models: aggregates.models.map((m) => ({ ...m, countedTokens: counted.get(`${m.provider ?? ''}\u0000${m.model ?? ''}`) ?? 0 })),
      tools: aggregates.tools.map((t) => ({ ...t, errorRate: t.calls === 0 ? 0 : t.errors / t.calls })),
      encoding: counter.encoding,
    };

    const archiveId = await snapshotArchive(deps.db, { jobId: context.jobId, userId, request: payload });
    const takenAt = new Date();
    const source = { agentId: row.id, ownerId: row.userId, createdAt: row.createdAt, updatedAt: row.updatedAt };
    const content = await renderSnapshotExport(payload, archiveId, takenAt, {
      format: AGENT_EXPORT_FORMAT,
      source,
      body: { agent: snapshot.agent, mentions: snapshot.mentions, usage, redactions: snapshot.redactions },
      document: () => agentDocument({ snapshot, usage, source, archiveName: payload.name, takenAt }),
    });
    context.signal.throwIfAborted();
    const output = await writeSnapshotItem(deps.db, archiveId, {
      jobId: context.jobId,
      userId,
      request: payload,
      itemType: 'agent',
      itemId: row.id,
      content,
      tokensCount: counter.count(snapshot.instructionsText),
      summary: snapshot.summary,
      analysis: { usage, mentions: snapshot.mentions },
      metadata: { agentName: row.name, ownerId: row.userId, redactedPaths: snapshot.redactions },
      store: deps.store,
    });
    context.log.debug({ messages: usage.messages, threads: usage.threads }, 'agent archived');
    return output;
  };
}
