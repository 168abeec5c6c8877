import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressLine } from '../../src/cli/progress-line.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, output: () => chunks.join('') };
}

describe('createProgressLine', () => {
  afterEach(() => vi.useRealTimers());

  it('redraws one line in place on a terminal', () => {
    const { stream, output } = sink(true);
    const line = createProgressLine(stream);
    line.show('1 / 3');
    line.show('2 / 3');
    line.end();
    expect(output()).toBe('\r\x1b[2K1 / 3\r\x1b[2K2 / 3\n');
  });

  it('prints plain lines at most every few seconds elsewhere, and always the final one', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, output } = sink(false);
    const line = createProgressLine(stream, 5000);
    for (let i = 1; i <= 100; i++) {
      line.show(`${i} / 100`, { final: i === 100, suffix: ` after ${i * 100} ms` });
      vi.advanceTimersByTime(100);
    }
    line.end();
    expect(output()).not.toContain('\r');
    expect(output().split('\n').filter(Boolean)).toEqual(['1 / 100 after 100 ms', '51 / 100 after 5100 ms', '100 / 100 after 10000 ms']);
  });

  it('prints nothing again when only the suffix changed', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, output } = sink(false);
    const line = createProgressLine(stream, 1000);
    line.show('waiting', { suffix: ' 1s' });
    vi.advanceTimersByTime(5000);
    line.show('waiting', { suffix: ' 6s' });
    expect(output()).toBe('waiting 1s\n');
  });
});
