import { expect } from 'vitest';
import { MARKER_NAME } from '../../src/mcp/untrusted-content.ts';

const OPEN = new RegExp(`^<${MARKER_NAME} nonce="([0-9a-f]{24})">`);

export function fenceMarkers(nonce: string): { open: string; close: string } {
  return { open: `<${MARKER_NAME} nonce="${nonce}">`, close: `</${MARKER_NAME} nonce="${nonce}">` };
}

/** The nonce of the first fence in a response's text. */
export function nonceOf(text: string): string {
  const match = new RegExp(`<${MARKER_NAME} nonce="([0-9a-f]{24})">`).exec(text);
  expect(match, 'a fence in the response').not.toBeNull();
  return match![1]!;
}

/** The text inside the one fence that wraps all of `value`; fails when `value` is not so fenced. */
export function unfenced(value: string | null | undefined): string {
  expect(typeof value).toBe('string');
  const match = OPEN.exec(value!);
  expect(match, `fenced: ${value}`).not.toBeNull();
  const { open, close } = fenceMarkers(match![1]!);
  expect(value!.endsWith(close), `closed by its own marker: ${value}`).toBe(true);
  const inside = value!.slice(open.length, value!.length - close.length);
  expect(inside.includes(close) || inside.includes(open), 'a marker inside the fence').toBe(false);
  return inside;
}
