import type { Definition, Nodes, Paragraph, PhrasingContent, Root, RootContent, Text } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

// Chat text is Markdown written by users and models, and it is hostile to the document that embeds it: an unclosed
// fence swallows everything after it, raw HTML (`</details>`, `<script>`, `<!--`) escapes its section, and link or
// footnote definitions are global to a Markdown file. Text that cannot contain any of these is kept verbatim (fast);
// anything else is parsed with a CommonMark/GFM parser and regrafted as a tree in which raw HTML has become text,
// references are resolved and images are plain links. The serializer then writes it back with fences and escapes
// that cannot leak.

const mayLeak = /[<`~]|\]:|\[\^/;
// Parsing time grows faster than the text (a 400 kB paste takes seconds); beyond this a text is kept literal instead.
const MAX_PARSED_CHARS = 50_000;

const flowParents = new Set(['root', 'blockquote', 'listItem', 'footnoteDefinition']);

function text(value: string): Text {
  return { type: 'text', value };
}

function paragraph(children: PhrasingContent[]): Paragraph {
  return { type: 'paragraph', children };
}

function definitionsOf(tree: Root): Map<string, Definition> {
  const found = new Map<string, Definition>();
  const visit = (node: Nodes): void => {
    if (node.type === 'definition' && !found.has(node.identifier)) found.set(node.identifier, node);
    if ('children' in node) for (const child of node.children) visit(child);
  };
  visit(tree);
  return found;
}

function rewriteChildren(parentType: string, children: readonly Nodes[], definitions: Map<string, Definition>): Nodes[] {
  const inFlow = flowParents.has(parentType);
  const out: Nodes[] = [];
  for (const child of children) out.push(...rewrite(child, inFlow, definitions));
  return out;
}

function rewrite(node: Nodes, inFlow: boolean, definitions: Map<string, Definition>): Nodes[] {
  switch (node.type) {
    case 'html':
      return inFlow ? [paragraph([text(node.value)])] : [text(node.value)];
    case 'definition':
      return [];
    case 'image':
      return [{ type: 'link', url: node.url, title: node.title ?? null, children: [text(node.alt || node.url)] }];
    case 'imageReference': {
      const target = definitions.get(node.identifier);
      const label = text(node.alt ?? node.label ?? node.identifier);
      return target ? [{ type: 'link', url: target.url, title: target.title ?? null, children: [label] }] : [label];
    }
    case 'linkReference': {
      const target = definitions.get(node.identifier);
      const children = rewriteChildren(node.type, node.children, definitions) as PhrasingContent[];
      return target ? [{ type: 'link', url: target.url, title: target.title ?? null, children }] : children;
    }
    case 'footnoteReference':
      return [text(`[^${node.label ?? node.identifier}]`)];
    case 'footnoteDefinition':
      return [
        paragraph([text(`[^${node.label ?? node.identifier}]:`)]),
        ...rewriteChildren('footnoteDefinition', node.children, definitions),
      ];
    default:
      if ('children' in node) {
        const children = rewriteChildren(node.type, node.children, definitions);
        return [{ ...node, children } as Nodes];
      }
      return [node];
  }
}

/**
 * Turns chat text into Markdown nodes that can be placed anywhere in a flow container without affecting what comes
 * after them. A verbatim fast path is returned as an `html` node, which serializers write out unchanged.
 */
export function containMarkdown(source: string): RootContent[] {
  const normalized = source
    .replace(/\r\n?/g, '\n')
    .replaceAll('\0', '\uFFFD')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
  if (normalized === '') return [];
  if (!mayLeak.test(normalized)) return [{ type: 'html', value: normalized }];
  if (normalized.length > MAX_PARSED_CHARS) return [{ type: 'code', lang: 'text', value: normalized }];

  const tree = fromMarkdown(normalized, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  return rewriteChildren('root', tree.children, definitionsOf(tree)) as RootContent[];
}
