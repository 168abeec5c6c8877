import { Writable } from 'node:stream';

/** stdout/stderr stand-ins that keep what a command writes. */
export function captureIo() {
  const collected = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        collected[key] += chunk.toString();
        callback();
      },
    });
  return { stdout: sink('stdout'), stderr: sink('stderr'), output: collected };
}
