import type { WorkflowStructure } from './workflow-snapshot.ts';

export interface WorkflowAnalysis {
  nodeCount: number;
  edgeCount: number;
  nodesByKind: Record<string, number>;
  /** Tools the tool nodes call: MCP tools with their server's name (when resolvable), app tools by name. */
  tools: { type: string; tool: string; serverId: string | null; server: string | null; nodes: number }[];
  models: { provider: string | null; model: string | null; nodes: number }[];
  /** The longest chain of nodes along edges (cycles are not followed twice). */
  longestPath: { length: number; nodes: string[] };
  conditionBranches: number;
  published: boolean;
  visibility: string;
  redactedValues: number;
}

const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const asString = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** What a workflow is made of. Pure. `serverNames` maps MCP server ids to names where the owner can see them. */
export function analyseWorkflow(structure: WorkflowStructure, serverNames: ReadonlyMap<string, string>, redactedValues: number): WorkflowAnalysis {
  const nodesByKind: Record<string, number> = {};
  const tools = new Map<string, WorkflowAnalysis['tools'][number]>();
  const models = new Map<string, WorkflowAnalysis['models'][number]>();
  let conditionBranches = 0;
  for (const node of structure.nodes) {
    nodesByKind[node.kind] = (nodesByKind[node.kind] ?? 0) + 1;
    const config = node.nodeConfig;
    if (node.kind === 'tool') {
      const tool = asRecord(config.tool);
      const name = asString(tool.id);
      if (name) {
        const serverId = asString(tool.serverId);
        const type = asString(tool.type) ?? 'unknown';
        const key = `${type}\u0000${serverId ?? ''}\u0000${name}`;
        const entry = tools.get(key) ?? { type, tool: name, serverId, server: (serverId && serverNames.get(serverId)) ?? asString(tool.serverName), nodes: 0 };
        entry.nodes++;
        tools.set(key, entry);
      }
    }
    if (node.kind === 'llm' || node.kind === 'tool') {
      const model = asRecord(config.model);
      const provider = asString(model.provider);
      const id = asString(model.model);
      if (provider || id) {
        const key = `${provider}\u0000${id}`;
        const entry = models.get(key) ?? { provider, model: id, nodes: 0 };
        entry.nodes++;
        models.set(key, entry);
      }
    }
    if (node.kind === 'condition') {
      const branches = asRecord(config.branches);
      conditionBranches += (branches.if ? 1 : 0) + (Array.isArray(branches.elseIf) ? branches.elseIf.length : 0) + (branches.else ? 1 : 0);
    }
  }
  return {
    nodeCount: structure.nodes.length,
    edgeCount: structure.edges.length,
    nodesByKind,
    tools: [...tools.values()],
    models: [...models.values()],
    longestPath: longestPath(structure),
    conditionBranches,
    published: structure.workflow.isPublished,
    visibility: structure.workflow.visibility,
    redactedValues,
  };
}

/** Longest simple path by node count, by memoised depth-first search from every node (a cycle is cut where met). */
function longestPath(structure: WorkflowStructure): WorkflowAnalysis['longestPath'] {
  const names = new Map(structure.nodes.map((n) => [n.id, n.name]));
  const next = new Map<string, string[]>();
  for (const e of structure.edges) {
    if (!names.has(e.source) || !names.has(e.target)) continue;
    next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  }
  const best = new Map<string, string[]>();
  const onStack = new Set<string>();
  const from = (id: string): string[] => {
    const known = best.get(id);
    if (known) return known;
    onStack.add(id);
    let tail: string[] = [];
    for (const target of next.get(id) ?? []) {
      if (onStack.has(target)) continue;
      const candidate = from(target);
      if (candidate.length > tail.length) tail = candidate;
    }
    onStack.delete(id);
    const path = [id, ...tail];
    best.set(id, path);
    return path;
  };
  let longest: string[] = [];
  for (const node of structure.nodes) {
    const path = from(node.id);
    if (path.length > longest.length) longest = path;
  }
  return { length: longest.length, nodes: longest.map((id) => names.get(id) ?? id) };
}
