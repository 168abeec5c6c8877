// The flooding agent of bench/flood.ts, on an event loop of its own: in the bench's own thread its hundreds of
// answers a second would delay the victim's timed calls inside the client, not the server.
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';

const settings = z
  .object({
    url: z.string(),
    token: z.string(),
    queries: z.array(z.string()).min(1),
    parallel: z.number().int().positive(),
    batches: z.number().int().nonnegative(),
    batchSize: z.number().int().positive(),
  })
  .parse(workerData);

let flooding = true;
parentPort!.once('message', () => {
  flooding = false;
});

const answers = new Map<string, number>();
const count = (key: string) => answers.set(key, (answers.get(key) ?? 0) + 1);
let id = 0;
const call = (query: string) => ({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'search_archives', arguments: { query, limit: 50 } } });

async function floodLoop(batch: boolean, seed: number): Promise<void> {
  for (let n = seed; flooding; n++) {
    const query = settings.queries[n % settings.queries.length]!;
    const body = JSON.stringify(batch ? Array.from({ length: settings.batchSize }, () => call(query)) : call(query));
    try {
      const response = await fetch(settings.url, {
        method: 'POST',
        signal: AbortSignal.timeout(60_000),
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${settings.token}` },
        body,
      });
      const text = await response.text();
      if (response.status !== 200) count(`HTTP ${response.status}`);
      else {
        const results = ([] as Array<{ result?: { isError?: boolean; content?: Array<{ text?: string }> } }>).concat(JSON.parse(text));
        for (const r of results) count(r.result?.isError ? `tool error: ${(r.result.content?.[0]?.text ?? '').replace(/\(reference \w+\)/, '').slice(0, 60)}` : 'searched');
      }
    } catch {
      count('connection error');
    }
  }
}

await Promise.all([
  ...Array.from({ length: settings.parallel }, (_, i) => floodLoop(false, i)),
  ...Array.from({ length: settings.batches }, (_, i) => floodLoop(true, i)),
]);
parentPort!.postMessage([...answers]);
