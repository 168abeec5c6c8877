import type { Logger } from '../logger.ts';
import { openNotificationListener, type NotificationListener } from '../db/notification-listener.ts';
import { hashToken, type TokenCheck } from './access-tokens.ts';

/** Announced (payload: the token's id) by migration 0021's triggers on every change that can withdraw a token. */
export const ACCESS_TOKEN_CHANGED_CHANNEL = 'chat_archiver_access_token_changed';
const MAX_ENTRIES = 10_000;

type Accepted = Extract<TokenCheck, { ok: true }>;

export interface TokenCheckCache {
  /** The token's check: from memory when it passed at most `ttlMs` ago and nothing announced a change since. */
  check(token: string): Promise<TokenCheck>;
  /** Drops the token's entry (a change was announced for it). */
  forgetTokenId(tokenId: string): void;
  /** Drops every entry and stops filling the cache until `resume` (announcements may be missed meanwhile). */
  suspend(): void;
  resume(): void;
}

/**
 * Remembers accepted tokens for a few seconds so that a busy client does not cost a transaction per request. Refused
 * tokens are never remembered. A revocation is honoured at once when its announcement arrives, and in any case
 * within `ttlMs`; expiry is checked on every use. A check that was in flight while any entry was dropped is not
 * stored, so an answer read before a revocation cannot outlive its announcement.
 */
export function createTokenCheckCache(check: (token: string) => Promise<TokenCheck>, options: { ttlMs: number; now?: () => number }): TokenCheckCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { accepted: Accepted; until: number }>();
  let generation = 0;
  let suspended = options.ttlMs <= 0;
  const forgetWhere = (matches: (accepted: Accepted) => boolean) => {
    generation++;
    for (const [key, entry] of entries) if (matches(entry.accepted)) entries.delete(key);
  };
  return {
    async check(token) {
      const key = hashToken(token).toString('base64');
      const entry = entries.get(key);
      const at = now();
      if (entry && entry.until > at && (!entry.accepted.expiresAt || entry.accepted.expiresAt.getTime() > at)) return entry.accepted;
      if (entry) entries.delete(key);
      const startedIn = generation;
      const result = await check(token);
      if (result.ok && !suspended && generation === startedIn) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(key, { accepted: result, until: now() + options.ttlMs });
      }
      return result;
    },
    forgetTokenId(tokenId) {
      forgetWhere((accepted) => accepted.tokenId === tokenId);
    },
    suspend() {
      suspended = true;
      forgetWhere(() => true);
    },
    resume() {
      suspended = options.ttlMs <= 0;
    },
  };
}

/**
 * The cache kept current by a LISTEN connection of its own: every announced token change drops that token's entry;
 * while the connection is down nothing is cached (announcements would be missed).
 */
export async function openListeningTokenCache(
  check: (token: string) => Promise<TokenCheck>,
  options: { ttlMs: number; connectionString: string; log: Logger },
): Promise<{ cache: TokenCheckCache; close(): Promise<void> }> {
  const cache = createTokenCheckCache(check, { ttlMs: options.ttlMs });
  if (options.ttlMs <= 0) return { cache, close: async () => {} };
  cache.suspend();
  const listener: NotificationListener = await openNotificationListener({
    connectionString: options.connectionString,
    applicationName: 'chat-archiver:token-listen',
    channel: ACCESS_TOKEN_CHANGED_CHANNEL,
    onNotification: (tokenId) => cache.forgetTokenId(tokenId),
    onLost: () => cache.suspend(),
    onListening: () => cache.resume(),
    log: options.log,
  });
  return { cache, close: () => listener.close() };
}
