// Runs one fence's wrap on a thread of its own (see large-text-fence.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { newFence } from './untrusted-content.ts';

const { nonce, text } = z.object({ nonce: z.string().min(1), text: z.string() }).parse(workerData);
parentPort!.postMessage(newFence(nonce).wrap(text));
