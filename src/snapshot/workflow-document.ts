import { overviewSection, snapshotSubtitle, type SnapshotDocument } from '../export/snapshot-document.ts';
import type { Redaction } from './secret-redaction.ts';
import type { WorkflowAnalysis } from './workflow-analysis.ts';
import { workflowMermaid } from './workflow-mermaid.ts';
import type { WorkflowStructure } from './workflow-snapshot.ts';

export interface WorkflowDocumentInput {
  structure: WorkflowStructure;
  analysis: WorkflowAnalysis;
  redactions: Redaction[];
  source: { workflowId: string; ownerId: string; createdAt: Date; updatedAt: Date };
  archiveName: string;
  takenAt: Date;
}

const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : v && typeof v === 'object' && 'nodeId' in v ? '(from another node)' : '');

/** One line about what a node does, from its (already redacted) config. */
function nodeDetail(kind: string, config: Record<string, unknown>): string {
  const model = record(config.model);
  const modelText = model.model ? `${String(model.provider ?? '?')}/${String(model.model)}` : '';
  switch (kind) {
    case 'llm':
      return `${modelText}; ${Array.isArray(config.messages) ? config.messages.length : 0} message(s)`;
    case 'tool': {
      const tool = record(config.tool);
      return tool.id ? `${String(tool.serverName ?? tool.type ?? '')} ${String(tool.id)}`.trim() : 'no tool chosen';
    }
    case 'http':
      return `${String(config.method ?? 'GET')} ${text(config.url)}`.trim();
    case 'condition': {
      const b = record(config.branches);
      return `${1 + (Array.isArray(b.elseIf) ? b.elseIf.length : 0)} condition branch(es) + else`;
    }
    case 'output':
      return Array.isArray(config.outputData) ? `outputs ${config.outputData.map((o) => String(record(o).key ?? '')).join(', ')}` : '';
    default:
      return '';
  }
}

/** The workflow snapshot as a document: facts, the Mermaid chart, nodes, edges, analysis, what was redacted. Pure. */
export function workflowDocument(input: WorkflowDocumentInput): SnapshotDocument {
  const { structure, analysis } = input;
  const w = structure.workflow;
  const names = new Map(structure.nodes.map((n) => [n.id, n.name]));
  const branchOf = new Map<string, string>();
  for (const node of structure.nodes) {
    const b = record(record(node.nodeConfig).branches);
    if (record(b.if).id) branchOf.set(`${node.id}/${String(record(b.if).id)}`, 'if');
    (Array.isArray(b.elseIf) ? b.elseIf : []).forEach((e, i) => branchOf.set(`${node.id}/${String(record(e).id)}`, `else if ${i + 1}`));
    if (record(b.else).id) branchOf.set(`${node.id}/${String(record(b.else).id)}`, 'else');
  }
  return {
    title: w.name,
    subtitle: snapshotSubtitle('Workflow', input.takenAt, input.archiveName),
    sections: [
      overviewSection('Workflow', w.description, [
        ['Id', input.source.workflowId],
        ['Owner', input.source.ownerId],
        ['Version', w.version],
        ['Visibility', w.visibility],
        ['Published', w.isPublished ? 'yes' : 'no'],
        ['Created', input.source.createdAt.toISOString()],
        ['Updated', input.source.updatedAt.toISOString()],
        ['Nodes / edges', `${analysis.nodeCount} / ${analysis.edgeCount}`],
      ]),
      { heading: 'Graph', blocks: [{ kind: 'code', language: 'mermaid', text: workflowMermaid(structure) }] },
      {
        heading: 'Nodes',
        blocks: [
          {
            kind: 'table',
            header: ['#', 'Name', 'Kind', 'Description', 'Details'],
            rows: structure.nodes.map((n, i) => [String(i + 1), n.name, n.kind, n.description ?? '', nodeDetail(n.kind, n.nodeConfig)]),
          },
        ],
      },
      {
        heading: 'Edges',
        blocks: [
          {
            kind: 'table',
            header: ['From', 'To', 'Branch'],
            rows: structure.edges.map((e) => [
              names.get(e.source) ?? e.source,
              names.get(e.target) ?? e.target,
              typeof e.uiConfig.sourceHandle === 'string' ? (branchOf.get(`${e.source}/${e.uiConfig.sourceHandle}`) ?? e.uiConfig.sourceHandle) : '',
            ]),
          },
        ],
      },
      {
        heading: 'Analysis',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Nodes by kind', Object.entries(analysis.nodesByKind).map(([k, n]) => `${k} ${n}`).join(', ')],
              ['Longest path', `${analysis.longestPath.length} node(s): ${analysis.longestPath.nodes.join(' → ')}`],
              ['Condition branches', String(analysis.conditionBranches)],
            ],
          },
          { kind: 'table', header: ['Tool', 'Server', 'Type', 'Nodes'], rows: analysis.tools.map((t) => [t.tool, t.server ?? '', t.type, String(t.nodes)]) },
          { kind: 'table', header: ['Provider', 'Model', 'Nodes'], rows: analysis.models.map((m) => [m.provider ?? '', m.model ?? '', String(m.nodes)]) },
        ],
      },
      {
        heading: 'Redacted values',
        blocks: [
          { kind: 'paragraph', text: 'Credentials found in the workflow were replaced by markers before this file was written:' },
          { kind: 'list', items: input.redactions.map((r) => `${r.path}: ${r.kind}`) },
        ],
      },
    ],
  };
}
