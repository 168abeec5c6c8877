import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/cli/format-table.ts';
import { createProgressReporter } from '../../src/cli/progress-reporter.ts';

describe('formatTable', () => {
  const rows = [
    { name: 'archive-conversation', n: 3, note: 'ok' },
    { name: 'analyze', n: 120, note: 'line one\nline two' },
  ];
  it('aligns columns two spaces apart, numbers to the right, without trailing spaces', () => {
    expect(
      formatTable(rows, [
        { header: 'QUEUE', value: (r) => r.name },
        { header: 'N', value: (r) => String(r.n), align: 'right' },
        { header: 'NOTE', value: (r) => r.note },
      ]),
    ).toBe(['QUEUE                   N  NOTE', 'archive-conversation    3  ok', 'analyze               120  line one line two'].join('\n'));
  });
  it('cuts long free text with an ellipsis', () => {
    expect(formatTable([{ t: 'abcdefghij' }], [{ header: 'T', value: (r) => r.t, maxWidth: 5 }])).toBe('T\nabcd…');
  });
  it('prints the header alone when there are no rows', () => {
    expect(formatTable([], [{ header: 'ID', value: () => '' }, { header: 'STATE', value: () => '' }])).toBe('ID  STATE');
  });
});

describe('progress reporter', () => {
  function sink(tty: boolean) {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _e, callback) {
        text += chunk.toString();
        callback();
      },
    });
    Object.assign(stream, { isTTY: tty });
    return { stream, text: () => text };
  }
  const progress = (finished: number) => ({ total: 4, waiting: 4 - finished, active: 0, completed: finished, failed: 0, cancelled: 0, gone: 0, finished });

  it('redraws one bar on a terminal', () => {
    const out = sink(true);
    const reporter = createProgressReporter(out.stream, 'archive');
    reporter.update(progress(1));
    reporter.update(progress(4));
    reporter.end();
    expect(out.text()).toMatch(/^\r\x1b\[2Karchive \[#{6}-{18}\] 1\/4 .*\r\x1b\[2Karchive \[#{24}\] 4\/4 {2}completed 4 {2}failed 0 {2}running 0 {2}waiting 0 {2}\d+s\n$/s);
  });
  it('writes plain lines elsewhere: the first, then changes at most every few seconds, and always the last', () => {
    const out = sink(false);
    const reporter = createProgressReporter(out.stream, 'archive');
    reporter.update(progress(0));
    reporter.update(progress(1));
    reporter.update(progress(2));
    reporter.update(progress(4));
    reporter.update(progress(4));
    reporter.end();
    expect(out.text().split('\n').filter(Boolean).map((l) => l.replace(/, \d+s$/, ''))).toEqual([
      'archive: 0/4 finished (completed 0  failed 0  running 0  waiting 4)',
      'archive: 4/4 finished (completed 4  failed 0  running 0  waiting 0)',
    ]);
  });
});
