import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exitOnFailureWithOneLine } from './one-line-failure.ts';

/** What a benchmark process prints last, on one line, for bench/run.ts to collect. */
export interface BenchSection {
  /** The benchmark's id (its file name), which is also the anchor of its section in docs/BENCHMARKS.md. */
  id: string;
  title: string;
  /** Markdown: what was measured, how, the table, and the reading. */
  body: string;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export interface BenchRun {
  quick: boolean;
  /** Load averages (1 minute) seen at the start of the benchmark and whenever `sampleLoad` is called. */
  loads: number[];
  sampleLoad(): string;
  /** "load 2.7 → 3.1 (2 cores)" over the benchmark so far. */
  loadSummary(): string;
}

export function startBenchRun(): BenchRun {
  exitOnFailureWithOneLine(`bench ${path.basename(process.argv[1] ?? 'benchmark', '.ts')}`);
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, full: { type: 'boolean', default: false } }, strict: false });
  const loads = [loadavg()[0]!];
  return {
    quick: values.quick === true,
    loads,
    sampleLoad() {
      const load = loadavg()[0]!;
      loads.push(load);
      return load.toFixed(1);
    },
    loadSummary() {
      loads.push(loadavg()[0]!);
      const min = Math.min(...loads);
      const max = Math.max(...loads);
      return `load average ${min.toFixed(1)}–${max.toFixed(1)} on ${cpus().length} cores`;
    },
  };
}

export function printSection(section: BenchSection): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(section)}\n`);
}

/** Progress for the person watching; stderr, so it never mixes with the result line. */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
