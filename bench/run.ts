// `npm run bench` — every benchmark in a child process of its own (fresh RSS, no JIT or cache carried over), on
// databases it creates and drops itself, then one Markdown report: printed, written to bench/results/<time>.md, and
// (full mode, or --docs) written into the generated part of docs/BENCHMARKS.md, section by section.
//   node bench/run.ts [--quick | --full] [--only mcp-archive,pickup,...] [--docs]
// DATABASE_URL: an owner URL of a PostgreSQL server where databases may be created; without it an embedded
// PostgreSQL runs in a temp dir for the length of the run. Every failure is one line (see one-line-failure.ts).
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { adminQuery, BENCH_SERVICE_USER, openDatabaseServer } from './support/bench-database.ts';
import { RESULT_PREFIX, type BenchSection } from './support/bench-report.ts';
import { exitOnFailureWithOneLine, oneLine } from './support/one-line-failure.ts';
import { freePort } from '../test/support/test-cluster.ts';

const BENCHMARKS = ['mcp-archive', 'pickup', 'throughput', 'huge-thread', 'patterns', 'search', 'exports', 'conversation-search', 'long-messages', 'flood', 'export-store', 'worker-idle-memory', 'agents-workflows'] as const;
const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = path.join(ROOT, 'docs/BENCHMARKS.md');

exitOnFailureWithOneLine('npm run bench');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    docs: { type: 'boolean', default: false },
  },
});
if (values.quick && values.full) throw new Error('--quick or --full, not both');
const quick = values.quick;
const selected = values.only ? values.only.split(',').map((s) => s.trim()) : [...BENCHMARKS];
for (const id of selected) if (!(BENCHMARKS as readonly string[]).includes(id)) throw new Error(`unknown benchmark ${id}; known: ${BENCHMARKS.join(', ')}`);

interface Outcome {
  section: BenchSection;
  seconds: number;
  loadAtStart: number;
}

function runBenchmark(id: string, adminUrl: string): Promise<Outcome> {
  const loadAtStart = os.loadavg()[0]!;
  const started = performance.now();
  process.stderr.write(`${id} (${quick ? 'quick' : 'full'}, load ${loadAtStart.toFixed(1)})\n`);
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', `${id}.ts`), ...(quick ? ['--quick'] : [])], {
    cwd: ROOT,
    env: { ...process.env, BENCH_ADMIN_URL: adminUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      // The child has said why on stderr, in one line of its own.
      if (code !== 0 || !line) return reject(new Error(`benchmark ${id} failed (exit code ${code}${line ? '' : ', no result line'})`));
      resolve({ section: JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchSection, seconds: (performance.now() - started) / 1000, loadAtStart });
    });
  });
}

function machine(postgres: string, database: string): string {
  const cpu = os.cpus();
  return (
    `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `${os.type()} ${os.release()}; Node ${process.version}; PostgreSQL ${postgres} (${database === 'embedded' ? 'embedded, temp dir' : 'DATABASE_URL, same machine'})`
  );
}

function sectionMarkdown(outcome: Outcome, runLine: string): string {
  const { section } = outcome;
  return [
    `<!-- bench:${section.id} -->`,
    `### ${section.title}`,
    '',
    `_${runLine}; this benchmark ${outcome.seconds.toFixed(0)} s, load average ${outcome.loadAtStart.toFixed(1)} at its start._`,
    '',
    section.body,
    `<!-- /bench:${section.id} -->`,
  ].join('\n');
}

/** Replaces each measured section in the generated part of the doc, keeping the others and the hand-written text. */
function updateDoc(sections: Map<string, string>, header: string): void {
  const doc = readFileSync(DOC, 'utf8');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- /bench:end -->';
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (start < 0 || stop < 0) throw new Error(`${DOC} has no ${begin} … ${end} block`);
  const generated = doc.slice(start + begin.length, stop);
  const kept = new Map<string, string>();
  for (const id of BENCHMARKS) {
    const match = new RegExp(`<!-- bench:${id} -->[\\s\\S]*?<!-- /bench:${id} -->`).exec(generated);
    if (match) kept.set(id, match[0]);
  }
  for (const [id, text] of sections) kept.set(id, text);
  const body = BENCHMARKS.filter((id) => kept.has(id)).map((id) => kept.get(id)!).join('\n\n');
  writeFileSync(DOC, `${doc.slice(0, start)}${begin}\n${header}\n\n${body}\n${doc.slice(stop)}`);
}

const tempDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-'));
// Run as root, the embedded server runs as an unprivileged user that must cross this directory to its data dir (which
// stays private to it, mode 700); searchable but not listable, as `npm start`'s data dir parents are.
chmodSync(tempDir, 0o711);
const server = await openDatabaseServer(tempDir, await freePort()).catch(async (error: unknown) => {
  await rm(tempDir, { recursive: true, force: true });
  throw error;
});
const sections = new Map<string, string>();
const failures: string[] = [];
const startedAt = new Date();
let postgres = 'unknown';
try {
  postgres = (await adminQuery<{ server_version: string }>(server.adminUrl, 'SHOW server_version'))[0]?.server_version ?? postgres;
  const runLine = `${startedAt.toISOString().slice(0, 10)}, ${quick ? 'quick' : 'full'} mode (\`npm run bench${quick ? ' -- --quick' : ''}\`)`;
  for (const id of selected) {
    try {
      sections.set(id, sectionMarkdown(await runBenchmark(id, server.adminUrl), runLine));
    } catch (error) {
      failures.push(id);
      process.stderr.write(`${oneLine(error)}\n`);
    }
  }
} finally {
  await adminQuery(server.adminUrl, `DROP ROLE IF EXISTS ${BENCH_SERVICE_USER}`).catch(() => {});
  await server.stop();
  await rm(tempDir, { recursive: true, force: true });
}

const flags = [...(quick ? ['--quick'] : []), ...(values.only ? ['--only', values.only] : [])];
const command = `npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1);
const header = `Machine: ${machine(postgres, server.kind)}. Shared with other workloads: every section gives the load average.`;
const report = [
  `# chat-archiver benchmarks, ${startedAt.toISOString()}`,
  '',
  `${header} Mode: ${quick ? 'quick' : 'full'}; ${minutes} min. Command: \`${command}\`.`,
  '',
  ...[...sections.values()].flatMap((s) => [s, '']),
  ...(failures.length ? [`Failed: ${failures.join(', ')}.`] : []),
].join('\n');
process.stdout.write(`${report}\n`);
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const file = path.join(ROOT, 'bench/results', `${startedAt.toISOString().replaceAll(':', '-').slice(0, 19)}${quick ? '-quick' : ''}.md`);
writeFileSync(file, report);
process.stderr.write(`report written to ${path.relative(ROOT, file)}\n`);
if (!quick || values.docs) {
  updateDoc(sections, header);
  process.stderr.write(`docs/BENCHMARKS.md updated (${[...sections.keys()].join(', ')})\n`);
}
if (failures.length) process.exitCode = 1;
