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
