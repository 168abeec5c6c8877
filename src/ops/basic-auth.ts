import { createHash, timingSafeEqual } from 'node:crypto';

/** Configured basic-auth credentials, kept as digests so every comparison is of equal length. */
export interface BasicCredentials {
  user: Buffer;
  password: Buffer;
}

export function basicCredentials(auth: { user: string; password: string }): BasicCredentials {
  return { user: digest(auth.user), password: digest(auth.password) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** True when the Authorization header carries these basic-auth credentials. */
export function basicAuthorized(header: string | null | undefined, expected: BasicCredentials): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always: no early exit that would tell a right user name from a wrong one by timing.
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), expected.user);
  const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), expected.password);
  return userOk && passwordOk;
}
