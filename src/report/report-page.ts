import type { TopLevelSpec } from 'vega-lite';

// The shape of a report page: a heading, a few totals, then sections each made of one chart and the table of the
// numbers it draws. Built by pure functions from aggregates (analysis-report.ts, usage-report.ts); rendered by
// render-report.ts.

/** A table cell: text, a count or amount, or a ratio shown as a percentage. */
export type ReportCell = string | number | { ratio: number };

export interface ReportTable {
  columns: readonly string[];
  rows: readonly (readonly ReportCell[])[];
}

export interface ReportSection {
  /** The section's anchor and the `data-chart` name of its chart. */
  id: string;
  title: string;
  /** A Vega-Lite chart, or undefined for a section that is a table alone. */
  chart: TopLevelSpec | undefined;
  /** Shown instead of the chart when there is nothing to draw. */
  emptyNote?: string;
  table: ReportTable;
}

export interface ReportPage {
  title: string;
  /** Lines under the title: range, time zone, when it was made. */
  subtitle: readonly string[];
  summary: readonly { label: string; value: ReportCell }[];
  /** Links to the other report pages; left out of the archived file, where they would lead nowhere. */
  links: readonly { href: string; label: string }[];
  sections: readonly ReportSection[];
}
