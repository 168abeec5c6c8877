import { describe, expect, it } from 'vitest';
import { useSuite } from './support/suite.ts';

describe('useSuite', () => {
  const released: string[] = [];
  const named = (name: string) => ({ close: () => void released.push(name) });

  describe('a suite opened with it', () => {
    const suite = useSuite(async (release) => {
      release({ drop: () => void released.push('database') });
      const server = release(named('server'));
      release({ destroy: () => void released.push('pool') });
      release({ stop: () => void released.push('worker') });
      return { server, answer: 42 };
    });

    it('gives its tests what open returned, and releases nothing before they ran', () => {
      expect(suite.answer).toBe(42);
      suite.server.close();
      expect(released).toEqual(['server']);
      released.length = 0;
    });
  });

  it('released what open handed it after the suite\'s tests, the last handed first', () => {
    expect(released).toEqual(['worker', 'pool', 'server', 'database']);
  });
});
