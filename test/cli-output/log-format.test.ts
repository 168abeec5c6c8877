import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger, prettyDestination, resolveLogFormat } from '../../src/logger.ts';

describe('log format', () => {
  it('is pretty on a terminal and JSON elsewhere unless LOG_FORMAT says otherwise', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat(undefined, undefined)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('prints one human line per entry, still redacting secrets and chat text', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', prettyDestination(false, sink));
    log.info({ queue: 'archive-conversation', token: 'cat_secret', text: 'a private message' }, 'job completed');
    await new Promise((resolve) => setImmediate(resolve));
    const out = chunks.join('');
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: job completed/);
    expect(out).toContain('"queue":"archive-conversation"');
    expect(out).not.toContain('cat_secret');
    expect(out).not.toContain('a private message');
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(() => JSON.parse(out)).toThrow();
  });

  it('refuses an unknown LOG_FORMAT', () => {
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT: expected pretty or json/);
  });
});
