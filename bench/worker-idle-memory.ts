// 11. Worker idle memory: a real `chat-archiver worker` process started on a demo database, its VmRSS right after
// it is ready and after 10 s idle (the figure the goal names; quick mode: 5 s), and which packages it has loaded by then
// (BENCH_MODULES=1 lists them through a resolve hook, in a second process: the hook itself costs memory).
//   node bench/worker-idle-memory.ts [--quick]   (BENCH_CHILD_NODE_OPTIONS: node options for the worker, e.g. V8 flags)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { CLI_SCRIPT, startChildService, WORKER_READY } from './support/child-service.ts';
import { markdownTable } from './support/markdown-table.ts';
import { MB, processMemory } from './support/process-memory.ts';
import { fixed } from './support/stats.ts';

const run = startBenchRun();
// The goal's figure is the RSS after 10 s idle; quick mode reads it after 5 s.
const IDLE_MS = run.quick ? 5_000 : 10_000;
const runs = run.quick ? 1 : 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

progress('worker-idle-memory: seeding the demo data');
const db = await createBenchDatabase(benchAdminUrl(), { users: 2, threadsPerUser: 2, messagesPerThread: 20 });
const exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-idle-'));
const samples: { readyMB: number; idleMB: number }[] = [];
let packages: string[] = [];
try {
  for (let i = 0; i < runs; i++) {
    progress(`worker-idle-memory: run ${i + 1} of ${runs} (load ${run.sampleLoad()})`);
    const worker = await startChildService(CLI_SCRIPT, ['worker'], { ...db.env, EXPORT_DIR: exportDir, ...(process.env.BENCH_CHILD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS } : {}) }, WORKER_READY);
    try {
      const ready = processMemory(worker.pid).rss;
      await sleep(IDLE_MS);
      samples.push({ readyMB: ready / MB, idleMB: processMemory(worker.pid).rss / MB });
    } finally {
      await worker.stop();
    }
  }
  if (process.env.BENCH_MODULES === '1') {
    const list = path.join(exportDir, 'modules.txt');
    const hook = path.resolve(import.meta.dirname, 'support/module-list-hook.ts');
    const worker = await startChildService(CLI_SCRIPT, ['worker'], { ...db.env, EXPORT_DIR: exportDir, NODE_OPTIONS: `--import ${hook}`, BENCH_MODULE_LIST: list }, WORKER_READY);
    await sleep(IDLE_MS);
    await worker.stop();
    packages = [...new Set((await readFile(list, 'utf8')).split('\n').filter(Boolean))].sort();
  }
} finally {
  await db.drop();
  await rm(exportDir, { recursive: true, force: true });
}

printSection({
  id: 'worker-idle-memory',
  title: '13. Worker idle memory',
  body: [
    `A \`chat-archiver worker\` process (default concurrency, fs export store, metrics served) on a demo database; ` +
      `VmRSS when it reports ready and after ${IDLE_MS / 1000} s idle. ${run.loadSummary()}.`,
    '',
    markdownTable(
      ['run', '>RSS when ready MB', `>RSS after ${IDLE_MS / 1000} s idle MB`],
      samples.map((s, i) => [String(i + 1), fixed(s.readyMB, 0), fixed(s.idleMB, 0)]),
    ),
    ...(packages.length ? ['', `Packages loaded at idle: ${packages.join(', ')}.`] : []),
  ].join('\n'),
});
