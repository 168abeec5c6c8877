import { createHash } from 'node:crypto';

/** A 32-character key for a list of parts (SHA-256, base64url); parts are NUL-separated so ['a b'] and ['a', 'b'] differ. */
export function shortDigest(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
}
