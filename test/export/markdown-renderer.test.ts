import type { Nodes, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import type { ExportMessage } from '../../src/export/export-types.ts';
import { renderMarkdownFooter, renderMarkdownHeader, renderMarkdownMessage } from '../../src/export/markdown-renderer.ts';
import { footer, header, messages } from './message-fixtures.ts';

function render(list: ExportMessage[], head = header): string {
  return renderMarkdownHeader(head) + list.map((m) => renderMarkdownMessage(m)).join('') + renderMarkdownFooter(footer);
}

function parse(markdown: string): Root {
  return fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

function walk(node: Nodes, visit: (node: Nodes) => void): void {
  visit(node);
  if ('children' in node) for (const child of node.children) walk(child, visit);
}

function plainText(node: Nodes): string {
  let out = '';
  walk(node, (n) => {
    if (n.type === 'text' || n.type === 'inlineCode' || n.type === 'code') out += `${n.value}\n`;
  });
  return out;
}

const OUR_HTML = /^(?:<details>\n<summary>[^<>]*<\/summary>|<\/details>)$/;

/** What a Markdown viewer sees at the top level: our headings and folds only, balanced, footer last. */
function expectIntactStructure(markdown: string, list: ExportMessage[]): Root {
  const tree = parse(markdown);
  const html: string[] = [];
  walk(tree, (node) => {
    if (node.type === 'html') html.push(node.value);
    expect(node.type).not.toBe('definition');
    expect(node.type).not.toBe('footnoteDefinition');
  });
  for (const value of html) expect(value).toMatch(OUR_HTML);
  expect(html.filter((v) => v.startsWith('<details>')).length).toBe(html.filter((v) => v === '</details>').length);

  const messageHeadings = tree.children
    .filter((node) => node.type === 'heading' && node.depth === 2)
    .map((node) => plainText(node).trim())
    .filter((text) => / · \d{4}-\d\d-\d\d /.test(text));
  expect(messageHeadings).toHaveLength(list.length);
  const last = tree.children.at(-1);
  expect(last?.type).toBe('paragraph');
  expect(plainText(last!)).toContain('4 messages · 321 tokens');
  return tree;
}

describe('Markdown export', () => {
  it('shows title, metadata table, roles and UTC times', () => {
    const md = render(messages);
    expect(md.startsWith('# Réunion: élève, garçon, à côté, über, Straße, cœur\n')).toBe(true);
    expect(md).toContain('| Archive     | Q3 réunions \\| finance');
    expect(md).toContain(`| Thread      | \`${header.threadId}\``);
    expect(md).toContain('| Exported    | 2025-06-12 16:00:00 UTC');
    expect(md).toContain('## User · 2025-06-12 14:03:05 UTC');
    expect(md).toContain('## Assistant · 2025-06-12 14:03:41 UTC');
    expect(md).toContain('_130 tokens · gpt-4.1 (openai) · usage 2,052 tokens (1,840 in, 212 out)_');
    expectIntactStructure(md, messages);
  });

  it('folds tool calls with their outcome and shows input/output as JSON', () => {
    const md = render(messages);
    expect(md).toContain('<details>\n<summary>Tool github_search_issues — done</summary>');
    expect(md).toContain('<details>\n<summary>Tool webSearch — error</summary>');
    expect(md).toContain('<details>\n<summary>Tool createTable — done</summary>');
    expect(md).toContain('<details>\n<summary>Tool REPORTWORKFLOW — done</summary>');
    expect(md).toContain('<details>\n<summary>Tool http — no result</summary>');
    expect(md).toContain('**Input**\n\n```json\n{\n  "q": "archive bug",\n  "repo": "acme/app"\n}\n```');
    expect(md).toContain('**Error**\n\n```text\nRequest timed out\n```');
    expect(md).toContain('"total_count": 2');
  });

  it('marks reasoning, links files and sources, ignores step-start and notes unknown parts', () => {
    const md = render(messages);
    expect(md).toContain('> **Reasoning**\n>\n> The user asks about the latest ECB rate decision; I should search the web.');
    expect(md).toContain('**File:** [q3-report.pdf](https://files.example.com/uploads/7f3a-q3-report.pdf) (application/pdf)');
    expect(md).toContain('**Source:** [ECB press releases](https://www.ecb.europa.eu/press/pr/date/2025/html/index.en.html)');
    expect(md).toContain('<summary>Attachment preview</summary>');
    expect(md).toContain('<summary>Unsupported part “data-chart”</summary>');
    expect(md).not.toContain('step-start');
    expect(md).toContain('| a | b |');
  });

  it('keeps ordinary chat text verbatim', () => {
    const md = render(messages);
    expect(md).toContain('\n\nSummarise the attached report in five bullet points. Merci, très gentil — ça m’aide.\n\n');
    expect(md).toContain('\n\nI found two matching issues: #14 and #9.\n\n');
  });

  it('truncates huge tool output', () => {
    const big: ExportMessage = {
      ...messages[1]!,
      parts: [{ type: 'tool-webContent', state: 'output-available', input: { url: 'https://x' }, output: 'y'.repeat(100_000) }],
    };
    const md = renderMarkdownMessage(big);
    expect(md.length).toBeLessThan(6_000);
    expect(md).toContain('… (truncated: 100,002 characters in total)');
  });

  it('keeps a very long text with markup literal, in a fence longer than any backtick run inside', () => {
    const text = `${'Paste with `code`, </details> and ```` fences.\n'.repeat(2_000)}end`;
    const md = render([{ ...messages[0]!, parts: [{ type: 'text', text }] }]);
    expect(md).toContain(`\`\`\`\`\`text\n${text}\n\`\`\`\`\``);
    expectIntactStructure(md, [messages[0]!]);
  });

  it('survives hostile text: fences, HTML, <details>, comments, definitions, backtick runs', () => {
    const hostile = [
      'Unclosed fence:\n```js\nconst a = 1;\n## not a heading',
      '</details></details><details><summary>fake</summary>',
      '<script>alert(1)</script> <!-- never closed',
      '<pre>\nraw pre block',
      'Tilde fence ~~~\n~~~\nstill code',
      'a ` b\nc `<img src=x onerror=alert(1)>` d',
      'Backticks ```` and ` and ``` inline, <b>bold?</b>',
      '[evil]: https://evil.example\n\nSee [docs][evil] and ![pixel](https://tracker.example/p.png) and [^1].\n\n[^1]: a footnote',
      '- open list item\n  ```\n  nested unclosed fence',
      '> quote\n> ```\n> unclosed in quote',
      'Setext?\n===\n\n---\n\n    indented <code>',
    ];
    const list: ExportMessage[] = hostile.map((text, i) => ({
      id: `h${i}`,
      role: i % 2 === 0 ? 'user' : 'assistant',
      createdAt: new Date(Date.UTC(2025, 0, 1, 12, i)),
      tokens: 1,
      metadata: null,
      parts: [
        { type: 'reasoning', text },
        { type: 'text', text },
        { type: 'tool-<img src=x onerror=alert(1)>', state: 'output-available', input: { text }, output: '````\n</details>' },
        { type: 'file', url: 'javascript:alert(1)', filename: '[x](javascript:alert(1))' },
      ],
    }));
    const md = render(list, { ...header, threadTitle: '# Title with `code` and\nnewline </details>' });
    const tree = expectIntactStructure(md, list);

    const text = plainText(tree);
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('</details></details><details><summary>fake</summary>');
    expect(text).toContain('<img src=x onerror=alert(1)>');
    expect(md).toContain('<summary>Tool &lt;img src=x onerror=alert(1)&gt; — done</summary>');
    let links = 0;
    walk(tree, (node) => {
      if (node.type === 'link') {
        links += 1;
        expect(node.url).toMatch(/^https:\/\/(evil|tracker)\.example/);
      }
      expect(node.type).not.toBe('image');
    });
    expect(links).toBe(4);
    expect(tree.children[0]).toMatchObject({ type: 'heading', depth: 1 });
    expect(plainText(tree.children[0]!)).toBe('# Title with `code` and newline </details>\n');
  });
});
