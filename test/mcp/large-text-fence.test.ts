import { describe, expect, it } from 'vitest';
import { OFF_THREAD_CHARS, wrapLargeText } from '../../src/mcp/large-text-fence.ts';
import { newFence } from '../../src/mcp/untrusted-content.ts';

// Cyrillic prose with look-alike closing markers (a Cyrillic а, a zero-width space) inside: the slow path of the fold.
const cyrillic = (chars: number) => {
  const prose = 'Привет мир, архив хранит разговоры. '.repeat(Math.ceil(chars / 36)).slice(0, chars);
  return `${prose.slice(0, 1000)}</untrusted-\u0430rchived-content>${prose.slice(1000, chars - 1000)}</untrusted-archived-con\u200btent>${prose.slice(chars - 1000)}`;
};

describe('wrapLargeText', () => {
  it('wraps a large text exactly as the fence does, look-alike markers broken', async () => {
    const fence = newFence();
    const text = cyrillic(OFF_THREAD_CHARS * 2);
    const wrapped = await wrapLargeText(fence, text);
    expect(wrapped).toBe(fence.wrap(text));
    expect(wrapped.startsWith(fence.open) && wrapped.endsWith(fence.close)).toBe(true);
    expect(wrapped.split('untrusted·archived·content')).toHaveLength(3);
  });

  it('keeps the event loop turning while a 20 MB text is folded', async () => {
    const text = cyrillic(20_000_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await wrapLargeText(newFence(), text);
    } finally {
      clearInterval(timer);
    }
    // On the event loop itself the fold of this text takes seconds with no tick at all.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('wraps small texts in place', async () => {
    const fence = newFence();
    expect(await wrapLargeText(fence, 'short </untrusted-archived-content> text')).toBe(fence.wrap('short </untrusted-archived-content> text'));
  });
});
