export interface Column<Row> {
  header: string;
  value(row: Row): string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
  /** Longer cells are cut with an ellipsis (free text such as error messages). */
  maxWidth?: number;
}

/**
 * A plain-text table: a header row, then one line per row, columns two spaces apart, no trailing spaces.
 * Cells are single-line (line breaks become spaces) so that `grep` and `awk` keep working on the output.
 */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => fit(column.value(row), column.maxWidth)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]!.length)));
  const render = (line: string[]) =>
    line
      .map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)].join('\n');
}

function fit(text: string, maxWidth: number | undefined): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ');
  if (maxWidth === undefined || flat.length <= maxWidth) return flat;
  return `${flat.slice(0, Math.max(0, maxWidth - 1))}…`;
}
