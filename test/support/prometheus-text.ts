export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (\\S+)(?: -?\\d+)?$`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): throws on any line that is not a
 * HELP, TYPE or sample line, on a sample of an undeclared family, and on a value that is not a number
 * (prom-client writes NaN as `Nan`, which Prometheus reads like Go's ParseFloat: case-insensitively).
 */
export function parsePrometheusText(text: string): Sample[] {
  const families = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const fail = (why: string) => {
      throw new Error(`line ${index + 1}: ${why}: ${line}`);
    };
    if (line.startsWith('#')) {
      const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`).exec(line);
      if (!meta) fail('malformed comment');
      if (meta![1] === 'TYPE') {
        if (!TYPES.has(meta![3]!)) fail('unknown type');
        families.set(meta![2]!, meta![3]!);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) fail('malformed sample');
    const name = match![1]!;
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => families.has(n));
    if (!family) fail('sample of an undeclared family');
    const labels: Record<string, string> = {};
    for (const pair of (match![2] ?? '').matchAll(new RegExp(LABEL, 'g'))) {
      labels[pair[1]!] = pair[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const raw = match![match!.length - 1]!;
    // Values are read as Go's ParseFloat does (Prometheus' own parser): NaN and Inf in any letter case.
    const special: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
    const lower = raw.toLowerCase();
    const value = lower in special ? special[lower]! : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!(lower in special) && Number.isNaN(value)) fail('value is not a number');
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
