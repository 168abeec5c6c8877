import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Waits until `stream` wants more bytes; 'drain' never comes once it is destroyed, so 'close' ends the wait too. */
export async function drainOrClose(stream: Writable): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([once(stream, 'drain', { signal: done.signal }), once(stream, 'close', { signal: done.signal })]);
  } finally {
    done.abort();
  }
}
