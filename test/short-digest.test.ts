import { describe, expect, it } from 'vitest';
import { shortDigest } from '../src/short-digest.ts';

describe('shortDigest', () => {
  it('is a stable 32-character base64url key', () => {
    const key = shortDigest(['archive', 'user', 'thread']);
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(shortDigest(['archive', 'user', 'thread'])).toBe(key);
  });

  it('keeps the boundaries between parts', () => {
    expect(shortDigest(['a b'])).not.toBe(shortDigest(['a', 'b']));
    expect(shortDigest(['ab', 'c'])).not.toBe(shortDigest(['a', 'bc']));
  });
});
