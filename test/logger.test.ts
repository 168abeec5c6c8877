import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('redacts passwords, tokens, authorization headers, connection strings and message content', async () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    log.info(
      {
        password: 'hunter2-secret',
        token: 'cat_abcdef123456',
        headers: { authorization: 'Bearer cat_abcdef123456' },
        db: { connectionString: 'postgres://u:pw-secret@h/db', password: 'pw-secret' },
        message: { text: 'my private chat text', parts: [{ type: 'text', text: 'private part' }] },
        jobId: 'job-1',
      },
      'tool call',
    );
    await new Promise((r) => setImmediate(r));
    const out = lines.join('\n');
    for (const secret of ['hunter2-secret', 'cat_abcdef123456', 'pw-secret', 'my private chat text', 'private part']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('job-1');
    expect(JSON.parse(lines[0]!).msg).toBe('tool call');
  });

  it('logs errors without the live objects attached to them', async () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    const error = Object.assign(new Error('terminating connection'), { code: '57P01', client: { password: 'pw-secret', huge: 'x'.repeat(10_000) } });
    log.error({ err: error }, 'pg-boss error');
    await new Promise((r) => setImmediate(r));
    const entry = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(entry.err).toMatchObject({ message: 'terminating connection', code: '57P01' });
    expect(entry.err.client).toBeUndefined();
    expect(lines[0]!.length).toBeLessThan(2000);
  });
});
