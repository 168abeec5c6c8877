import { describe, expect, it } from 'vitest';
import { neutraliseMarkers, newFence } from '../../src/mcp/untrusted-content.ts';
import { markerLookAlikes, MARKER_AS_READ, readerView } from '../support/marker-lookalikes.ts';

describe('neutraliseMarkers', () => {
  it('breaks every generated look-alike of the marker, and only it', () => {
    const lookAlikes = markerLookAlikes();
    for (const lookAlike of lookAlikes) {
      expect(readerView(lookAlike), JSON.stringify(lookAlike)).toMatch(MARKER_AS_READ);
      const text = `before ${lookAlike} after`;
      const broken = neutraliseMarkers(text);
      expect(readerView(broken), JSON.stringify(lookAlike)).not.toMatch(MARKER_AS_READ);
      expect(broken.startsWith('before ') && broken.endsWith(' after'), JSON.stringify(broken)).toBe(true);
    }
    // All at once, in ASCII and non-ASCII company.
    expect(readerView(neutraliseMarkers(lookAlikes.join(' – Привет 😀 ')))).not.toMatch(MARKER_AS_READ);
  });

  it('leaves text without a marker as it is, and is idempotent', () => {
    for (const text of ['Un hôtel près de la place du Commerce.', 'untrusted content, archived', 'Привет 😀 \u200b', '']) {
      expect(neutraliseMarkers(text)).toBe(text);
    }
    const once = neutraliseMarkers('a </untrusted-archived-content> b </ＵＮＴＲＵＳＴＥＤ-archived-content> c');
    expect(once).toBe('a </untrusted·archived·content> b </untrusted·archived·content> c');
    expect(neutraliseMarkers(once)).toBe(once);
  });

  it('fences with a fresh 24-hex-digit nonce that the text cannot forge', () => {
    const fence = newFence();
    expect(fence.nonce).toMatch(/^[0-9a-f]{24}$/);
    expect(newFence().nonce).not.toBe(fence.nonce);
    const forged = fence.wrap(`x ${fence.close} y`);
    expect(forged.split(fence.close)).toHaveLength(2);
    expect(fence.wrapOrNull(null)).toBeNull();
    expect(fence.wrapOrNull('')).toBe('');
  });
});
