import type { WorkflowStructure } from './workflow-snapshot.ts';

/** Mermaid node shapes by kind: rounded ends for input/output, a rhombus for conditions, a note's flag. */
const SHAPES: Record<string, [string, string]> = {
  input: ['([', '])'],
  output: ['([', '])'],
  condition: ['{', '}'],
  note: ['>', ']'],
  tool: ['[[', ']]'],
  http: ['[/', '/]'],
  code: ['[\\', '\\]'],
};

/** A Mermaid label: quoted, with quotes, angle brackets and line breaks made harmless. */
function label(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim().replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  return `"${clean.slice(0, 80)}"`;
}

/**
 * A Mermaid `flowchart` of the workflow: each node by kind and name, each edge, condition edges labelled with their
 * branch (if, else if n, else) taken from the edge's source handle. Pure.
 */
export function workflowMermaid(structure: WorkflowStructure): string {
  const ids = new Map(structure.nodes.map((n, i) => [n.id, `n${i + 1}`]));
  const lines = ['flowchart LR'];
  for (const node of structure.nodes) {
    const [open, close] = SHAPES[node.kind] ?? ['[', ']'];
    lines.push(`  ${ids.get(node.id)}${open}${label(`${node.name} (${node.kind})`)}${close}`);
  }
  const branchLabels = new Map<string, Map<string, string>>();
  for (const node of structure.nodes) {
    if (node.kind !== 'condition') continue;
    const branches = node.nodeConfig.branches as { if?: { id?: string }; elseIf?: { id?: string }[]; else?: { id?: string } } | undefined;
    const labels = new Map<string, string>();
    if (branches?.if?.id) labels.set(branches.if.id, 'if');
    (Array.isArray(branches?.elseIf) ? branches.elseIf : []).forEach((b, i) => b?.id && labels.set(b.id, `else if ${i + 1}`));
    if (branches?.else?.id) labels.set(branches.else.id, 'else');
    branchLabels.set(node.id, labels);
  }
  for (const edge of structure.edges) {
    const from = ids.get(edge.source);
    const to = ids.get(edge.target);
    if (!from || !to) continue;
    const handle = typeof edge.uiConfig.sourceHandle === 'string' ? edge.uiConfig.sourceHandle : undefined;
    const branch = handle ? (branchLabels.get(edge.source)?.get(handle) ?? (branchLabels.has(edge.source) ? handle : undefined)) : undefined;
    lines.push(branch ? `  ${from} -->|${label(branch)}| ${to}` : `  ${from} --> ${to}`);
  }
  return lines.join('\n');
}
