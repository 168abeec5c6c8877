import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

export interface WorkflowRow {
  id: string;
  version: string;
  name: string;
  icon: unknown;
  description: string | null;
  isPublished: boolean;
  visibility: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface WorkflowNodeRow {
  id: string;
  version: string;
  kind: string;
  name: string;
  description: string | null;
  uiConfig: unknown;
  nodeConfig: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface WorkflowEdgeRow {
  id: string;
  version: string;
  source: string;
  target: string;
  uiConfig: unknown;
  createdAt: Date;
}

/**
 * The workflow as `userId` may see it, as the app decides (its `checkAccess` for reading): their own, or another
 * user's whose visibility is not `private`. A private workflow of someone else reads as missing.
 */
export async function visibleWorkflow(db: Kysely<Database>, userId: string, workflowId: string): Promise<WorkflowRow | undefined> {
  const { rows } = await sql<WorkflowRow>`
    SELECT id, version, name, icon, description, is_published AS "isPublished", visibility, user_id AS "userId",
           created_at AS "createdAt", updated_at AS "updatedAt"
    FROM workflow
    WHERE id = ${workflowId} AND (user_id = ${userId} OR visibility <> 'private')`.execute(db);
  return rows[0];
}

/** Nodes and edges of a workflow, in a stable order (creation, then id). */
export async function workflowStructure(db: Kysely<Database>, workflowId: string): Promise<{ nodes: WorkflowNodeRow[]; edges: WorkflowEdgeRow[] }> {
  const nodes = await sql<WorkflowNodeRow>`
    SELECT id, version, kind, name, description, ui_config AS "uiConfig", node_config AS "nodeConfig",
           created_at AS "createdAt", updated_at AS "updatedAt"
    FROM workflow_node WHERE workflow_id = ${workflowId} ORDER BY created_at, id`.execute(db);
  const edges = await sql<WorkflowEdgeRow>`
    SELECT id, version, source, target, ui_config AS "uiConfig", created_at AS "createdAt"
    FROM workflow_edge WHERE workflow_id = ${workflowId} ORDER BY created_at, id`.execute(db);
  return { nodes: nodes.rows, edges: edges.rows };
}

/**
 * Names of the owner's MCP servers among the ids given. Only id, user_id and name of mcp_server are readable (not
 * its visibility), so a server is resolved only when it is the owner's own.
 */
export async function mcpServerNames(db: Kysely<Database>, ownerId: string, serverIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(serverIds)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; name: string; user_id: string }>`
    SELECT id, name, user_id FROM mcp_server WHERE id = ANY(${ids}::uuid[]) AND user_id = ${ownerId}`.execute(db);
  return new Map(rows.map((r) => [r.id, r.name]));
}
