/** A GitHub-flavoured Markdown table; columns whose header starts with '>' are right-aligned (the '>' is dropped). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const names = headers.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const cell = (value: string | number) => String(value).replaceAll('|', '\\|');
  return [
    `| ${names.join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}
