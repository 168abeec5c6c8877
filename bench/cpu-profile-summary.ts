// Summarises a V8 CPU profile (`node --cpu-prof`): self time by function and by package, the top N.
//   node bench/cpu-profile-summary.ts <file.cpuprofile> [top=15]
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { markdownTable } from './support/markdown-table.ts';

const profileSchema = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }) })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/cpu-profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 15);
const profile = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const selfByFunction = new Map<string, number>();
const selfByPackage = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  total += us;
  const frame = frames.get(id);
  const name = frame?.functionName || '(anonymous)';
  const where = packageOf(frame?.url ?? '');
  const key = `${name} — ${shortUrl(frame?.url ?? '')}${frame?.url ? `:${(frame.lineNumber ?? 0) + 1}` : ''}`;
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us);
  selfByPackage.set(where, (selfByPackage.get(where) ?? 0) + us);
});

function packageOf(url: string): string {
  if (url === '') return '(V8: GC, idle, native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node core';
  const src = /\/(src|bench|test)\/(.+)$/.exec(url);
  return src ? `${src[1]}/${src[2]!.split('/')[0]}` : url;
}
function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|src|bench|test)\//, '$1/');
}
const rows = (map: Map<string, number>) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => [k, `${((100 * us) / total).toFixed(1)} %`, (us / 1000).toFixed(0)]);
console.log(`Total ${(total / 1e6).toFixed(2)} s sampled.\n`);
console.log(markdownTable(['package', '>self', '>ms'], rows(selfByPackage)));
console.log();
console.log(markdownTable(['function', '>self', '>ms'], rows(selfByFunction)));
