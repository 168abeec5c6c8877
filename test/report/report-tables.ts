// Reads back what render-report.ts writes: the cells of one table and the marks of one chart.

/** The rows of `<table data-table="id">`, each cell as its `data-value` number or its text (entities decoded). */
export function tableRows(html: string, id: string): (string | number)[][] {
  const table = new RegExp(`<table data-table="${id}">([\\s\\S]*?)</table>`).exec(html);
  if (!table) throw new Error(`no table ${id}`);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table[1]!)![1]!;
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td(?: class="n" data-value="([^"]*)")?>([\s\S]*?)<\/td>/g)].map(([, value, text]) =>
      value === undefined ? decode(text!) : Number(value),
    ),
  );
}

/** The SVG inside `<figure data-chart="id">`, or undefined when the section draws none. */
export function chartOf(html: string, id: string): string | undefined {
  return new RegExp(`<figure data-chart="${id}">([\\s\\S]*?)</figure>`).exec(html)?.[1];
}

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
