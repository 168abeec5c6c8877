/**
 * A snapshot (agent, workflow) laid out for people, independent of the output format: the Markdown and PDF renderers
 * of snapshots both draw this. Pure data.
 */
export type SnapshotBlock =
  | { kind: 'paragraph'; text: string }
  | { kind: 'facts'; rows: [label: string, value: string][] }
  | { kind: 'list'; items: string[] }
  | { kind: 'code'; language: string; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] };

export interface SnapshotSection {
  heading: string;
  blocks: SnapshotBlock[];
}

export interface SnapshotDocument {
  title: string;
  /** One line under the title: what this is and when it was taken. */
  subtitle: string;
  sections: SnapshotSection[];
}

/** The subtitle of every snapshot: what it is, when it was taken and into which archive. */
export function snapshotSubtitle(kind: 'Agent' | 'Workflow', takenAt: Date, archiveName: string): string {
  return `${kind} snapshot taken ${takenAt.toISOString()} into archive "${archiveName}"`;
}

/** The first section of a snapshot: its description (when it has one) above its facts. */
export function overviewSection(heading: string, description: string | null | undefined, facts: [label: string, value: string][]): SnapshotSection {
  return { heading, blocks: [...(description ? [{ kind: 'paragraph' as const, text: description }] : []), { kind: 'facts', rows: facts }] };
}
