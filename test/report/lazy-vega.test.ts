import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Which vega modules a fresh Node process resolves after importing `modules` (and, with `draw`, drawing one chart).
function vegaModulesLoaded(modules: string[], draw: boolean): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
    for (const m of ${JSON.stringify(modules)}) await import(new URL(m, 'file://${process.cwd()}/').href);
    if (${draw}) {
      const { chartSvg } = await import(new URL('src/report/chart-svg.ts', 'file://${process.cwd()}/').href);
      await chartSvg({ data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });
    }
    console.log(JSON.stringify(seen.filter((url) => /\\/node_modules\\/vega/.test(url))));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()) as string[];
}

describe('vega is loaded on the first chart only', () => {
  it('is not loaded by the worker, the MCP server or the report routes until a chart is drawn', () => {
    expect(vegaModulesLoaded(['src/worker/start-worker.ts', 'src/mcp/mcp-runtime.ts', 'src/ops/report-routes.ts'], false)).toEqual([]);
  });

  it('is loaded when a chart is drawn', () => {
    expect(vegaModulesLoaded(['src/ops/report-routes.ts'], true).length).toBeGreaterThan(0);
  });
});
