import type { Kysely } from 'kysely';
import type { TokenCounter } from '../analysis/tokens.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { ExportStore } from '../export/object-store.ts';
import { analyseWorkflow } from '../snapshot/workflow-analysis.ts';
import { workflowDocument } from '../snapshot/workflow-document.ts';
import { redactedWorkflowStructure } from '../snapshot/workflow-snapshot.ts';
import { mcpServerNames, visibleWorkflow, workflowStructure } from '../sql/workflows.ts';
import { WORKFLOW_EXPORT_FORMAT, type ArchiveWorkflowPayload } from './archive-workflow.ts';
import { PermanentJobError } from './job-failure.ts';
import type { JobHandler } from './job-handler.ts';
import { renderSnapshotExport } from './snapshot-export.ts';
import { snapshotArchive, writeSnapshotItem, type SnapshotOutput } from './snapshot-item.ts';

export interface SnapshotDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'tokenEncoding'>;
  store: ExportStore;
  loadTokenCounter(encoding: Config['tokenEncoding']): Promise<TokenCounter>;
}

/**
 * The `archive-workflow` job: reads the workflow the caller may see, removes credentials from the whole structure
 * first (nothing unredacted is rendered, stored or logged), analyses it, renders the export and writes the item.
 */
export function createArchiveWorkflowHandler(deps: SnapshotDeps): JobHandler<ArchiveWorkflowPayload, SnapshotOutput> {
  return async (payload, context) => {
    const userId = payload.requestedBy;
    const row = await visibleWorkflow(deps.db, userId, payload.workflowId);
    if (!row) throw new PermanentJobError('workflow_not_found', `workflow ${payload.workflowId} does not exist or is not visible to user ${userId}`);
    const { nodes, edges } = await workflowStructure(deps.db, row.id);
    const { structure, redactions } = redactedWorkflowStructure({
      row: { name: row.name, description: row.description, icon: row.icon, version: row.version, isPublished: row.isPublished, visibility: row.visibility },
      nodes,
      edges,
    });
    const serverIds = structure.nodes.flatMap((n) => {
      const tool = n.nodeConfig.tool as { serverId?: unknown } | undefined;
      return typeof tool?.serverId === 'string' ? [tool.serverId] : [];
    });
    const analysis = analyseWorkflow(structure, await mcpServerNames(deps.db, row.userId, serverIds), redactions.length);
    const archiveId = await snapshotArchive(deps.db, { jobId: context.jobId, userId, request: payload });
    const takenAt = new Date();
    const source = { workflowId: row.id, ownerId: row.userId, createdAt: row.createdAt, updatedAt: row.updatedAt };
    const counter = await deps.loadTokenCounter(deps.config.tokenEncoding);
    const structureJson = JSON.stringify(structure);
    const content = await renderSnapshotExport(payload, archiveId, takenAt, {
      format: WORKFLOW_EXPORT_FORMAT,
      source,
      body: { ...structure, analysis, redactions },
      document: () => workflowDocument({ structure, analysis, redactions, source, archiveName: payload.name, takenAt }),
    });
    context.signal.throwIfAborted();
    const kinds = Object.entries(analysis.nodesByKind).map(([k, n]) => `${n} ${k}`).join(', ');
    const output = await writeSnapshotItem(deps.db, archiveId, {
      jobId: context.jobId,
      userId,
      request: payload,
      itemType: 'workflow',
      itemId: row.id,
      content,
      tokensCount: counter.count(structureJson),
      summary: `${row.description ? `${row.description} — ` : ''}${analysis.nodeCount} nodes (${kinds}), ${analysis.edgeCount} edges; ${row.isPublished ? 'published' : 'not published'}`,
      analysis,
      metadata: { workflowName: row.name, ownerId: row.userId, redactedPaths: redactions },
      store: deps.store,
    });
    context.log.debug({ nodes: analysis.nodeCount, edges: analysis.edgeCount, redacted: redactions.length }, 'workflow archived');
    return output;
  };
}
