import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Where download links are served, under PUBLIC_BASE_URL. */
export const EXPORTS_PATH = '/exports';

/** What a link names: one stored object of one archive, until `expiresAt`. */
export interface LinkTarget {
  archiveId: string;
  location: string;
}

export interface SignedLink {
  url: string;
  expiresAt: Date;
}

export type LinkCheck =
  | { ok: true; archiveId: string; locationDigest: string; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

// Compact JSON: version, archive id, digest of the location (the URL never shows where the object is), expiry.
const claimsSchema = z.strictObject({ v: z.literal(1), a: z.uuid(), o: z.string().regex(/^[A-Za-z0-9_-]{22}$/), x: z.number().int().positive() });

/** A short, URL-safe digest of a storage location: what a link carries instead of the location. */
export function locationDigest(location: string): string {
  return createHash('sha256').update(location).digest('base64url').slice(0, 22);
}

/**
 * Signs and checks download links: `<base>/exports/<claims>.<HMAC-SHA256(claims)>`. The signature covers the
 * archive, the object and the expiry; the key never leaves the server.
 */
export function createLinkSigner(options: { secret: string; ttlMs: number; publicBaseUrl: string }) {
  const key = Buffer.from(options.secret, 'utf8');
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    ttlMs: options.ttlMs,
    sign(target: LinkTarget, now = new Date()): SignedLink {
      const expiresAt = new Date(Math.floor((now.getTime() + options.ttlMs) / 1000) * 1000);
      const claims = { v: 1, a: target.archiveId, o: locationDigest(target.location), x: expiresAt.getTime() / 1000 };
      const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
      return { url: `${options.publicBaseUrl}${EXPORTS_PATH}/${payload}.${mac(payload).toString('base64url')}`, expiresAt };
    },
    check(token: string, now = new Date()): LinkCheck {
      const match = /^([A-Za-z0-9_-]{1,512})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return { ok: false, reason: 'malformed' };
      const [, payload, signature] = match as unknown as [string, string, string];
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
      let claims;
      try {
        claims = claimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (!claims.success) return { ok: false, reason: 'malformed' };
      const expiresAt = new Date(claims.data.x * 1000);
      if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
      return { ok: true, archiveId: claims.data.a, locationDigest: claims.data.o, expiresAt };
    },
  };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;
