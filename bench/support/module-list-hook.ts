// Preloaded into a child (NODE_OPTIONS=--import) by bench/worker-idle-memory.ts: appends the package of every module
// the process resolves to BENCH_MODULE_LIST, one per line.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const list = process.env.BENCH_MODULE_LIST;
const packageOf = (url: string): string | undefined => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
if (list) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const name = packageOf(resolved.url);
      if (name) appendFileSync(list, `${name}\n`);
      return resolved;
    },
  });
}
