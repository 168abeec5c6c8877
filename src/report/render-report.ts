import { chartSvg } from './chart-svg.ts';
import { escapeHtml } from '../html-text.ts';
import type { ReportCell, ReportPage, ReportSection } from './report-page.ts';

/** Nothing but the inline styles may load: the page works offline, mailed or archived. Also in the file itself. */
const DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'";
/** The served page's header adds what a <meta> policy cannot say (browsers ignore frame-ancestors there). */
export const REPORT_CONTENT_SECURITY_POLICY = `${DOCUMENT_POLICY}; frame-ancestors 'none'`;

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const percents = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;margin:0;background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px}
header p{margin:2px 0;color:#5b6475}
nav a{margin-right:16px}
.summary{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0;padding:0}
.summary li{list-style:none;background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px 14px}
.summary b{display:block;font-size:20px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:18px 0;padding:12px 18px}
figure{margin:8px 0;overflow-x:auto}
.empty{color:#5b6475;font-style:italic}
.table-wrap{max-height:360px;overflow:auto}
table{border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #e6e9ef;padding:3px 8px;text-align:left;white-space:nowrap}
td.n{text-align:right}
thead th{position:sticky;top:0;background:#fff}
`;

function cellText(cell: ReportCell): string {
  if (typeof cell === 'string') return escapeHtml(cell);
  if (typeof cell === 'number') return counts.format(cell);
  return percents.format(cell.ratio);
}

function cellHtml(cell: ReportCell): string {
  if (typeof cell === 'string') return `<td>${cellText(cell)}</td>`;
  const value = typeof cell === 'number' ? cell : cell.ratio;
  return `<td class="n" data-value="${value}">${cellText(cell)}</td>`;
}

async function sectionHtml(section: ReportSection): Promise<string> {
  const id = escapeHtml(section.id);
  const chart =
    section.chart === undefined
      ? ''
      : section.emptyNote !== undefined
        ? `<p class="empty">${escapeHtml(section.emptyNote)}</p>`
        : `<figure data-chart="${id}">${await chartSvg(section.chart)}</figure>`;
  const head = section.table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = section.table.rows.map((row) => `<tr>${row.map(cellHtml).join('')}</tr>`).join('\n');
  return [
    `<section id="${id}">`,
    `<h2>${escapeHtml(section.title)}</h2>`,
    chart,
    `<div class="table-wrap"><table data-table="${id}"><thead><tr>${head}</tr></thead><tbody>`,
    body,
    '</tbody></table></div>',
    '</section>',
  ].join('\n');
}

/** The page as one self-contained HTML document: charts inline as SVG, styles inline, nothing fetched. */
export async function renderReport(page: ReportPage, options: { withLinks: boolean }): Promise<string> {
  const sections: string[] = [];
  // One chart at a time: each holds a Vega view and its scenegraph until drawn.
  for (const section of page.sections) sections.push(await sectionHtml(section));
  const links = options.withLinks && page.links.length > 0
    ? `<nav>${page.links.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`).join('')}</nav>`
    : '';
  const summary = page.summary.map((s) => `<li>${escapeHtml(s.label)}<b>${cellText(s.value)}</b></li>`).join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(DOCUMENT_POLICY)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style></head><body><main>`,
    `<header>${links}<h1>${escapeHtml(page.title)}</h1>${page.subtitle.map((line) => `<p>${escapeHtml(line)}</p>`).join('')}</header>`,
    `<ul class="summary">${summary}</ul>`,
    ...sections,
    '</main></body></html>',
    '',
  ].join('\n');
}
