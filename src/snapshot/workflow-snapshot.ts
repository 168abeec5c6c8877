import { z } from 'zod';
import { redactSecrets, type Redaction } from './secret-redaction.ts';

/** The workflow as better-chatbot's structure API takes it back: the row's fields, nodes and edges (camelCase). */
export interface WorkflowStructure {
  workflow: { name: string; description: string | null; icon: unknown; version: string; isPublished: boolean; visibility: string };
  nodes: { id: string; version: string; kind: string; name: string; description: string | null; nodeConfig: Record<string, unknown>; uiConfig: Record<string, unknown> }[];
  edges: { id: string; version: string; source: string; target: string; uiConfig: Record<string, unknown> }[];
}

export interface WorkflowSource {
  row: { name: string; description: string | null; icon: unknown; version: string; isPublished: boolean; visibility: string };
  nodes: { id: string; version: string; kind: string; name: string; description: string | null; nodeConfig: unknown; uiConfig: unknown }[];
  edges: { id: string; version: string; source: string; target: string; uiConfig: unknown }[];
}

const jsonObject = z.record(z.string(), z.unknown()).catch({});

/**
 * The re-importable structure with every credential removed, and where each removal was. Literal header and query
 * values of HTTP nodes go whole (they are where API keys live); everything else is scanned (URLs, bearer tokens,
 * keys, JWTs, credential-named fields). Node references (`{nodeId, path}`) are kept.
 */
export function redactedWorkflowStructure(source: WorkflowSource): { structure: WorkflowStructure; redactions: Redaction[] } {
  const structure: WorkflowStructure = {
    workflow: { ...source.row },
    nodes: source.nodes.map((n) => ({ ...n, nodeConfig: jsonObject.parse(n.nodeConfig ?? {}), uiConfig: jsonObject.parse(n.uiConfig ?? {}) })),
    edges: source.edges.map((e) => ({ ...e, uiConfig: jsonObject.parse(e.uiConfig ?? {}) })),
  };
  const { value, redactions } = redactSecrets(structure, {
    wholeValue: (path) => {
      if (path.length !== 6 || path[0] !== 'nodes' || typeof path[1] !== 'number' || path[2] !== 'nodeConfig') return undefined;
      if (structure.nodes[path[1]]?.kind !== 'http' || typeof path[4] !== 'number' || path[5] !== 'value') return undefined;
      if (path[3] === 'headers') return 'header value';
      if (path[3] === 'query') return 'query value';
      return undefined;
    },
  });
  return { structure: value, redactions };
}
