import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Fence } from './untrusted-content.ts';

/**
 * Above this many characters a wrap goes to a worker thread. Folding non-Latin text for look-alike markers costs
 * about 0.15–0.2 µs a character (an export file of 20 MB of Cyrillic: 2.7 s, 4 s with a marker in it), which on the
 * MCP process's own loop would hold every other caller's request; below this it stays under about 100 ms.
 */
export const OFF_THREAD_CHARS = 500_000;

// The worker module beside this one, with this module's own extension (sources run as .ts, a build as .js).
const WORKER_URL = new URL(`./fence-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** `fence.wrap(text)`, off the event loop when the text is large. */
export async function wrapLargeText(fence: Fence, text: string): Promise<string> {
  if (text.length <= OFF_THREAD_CHARS) return fence.wrap(text);
  const worker = new Worker(WORKER_URL, { workerData: { nonce: fence.nonce, text } });
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.once('message', (wrapped: string) => resolve(wrapped));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the fence worker exited with code ${code} before answering`)));
    });
  } finally {
    void worker.terminate();
  }
}
