import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccessToken, issueAccessToken, revokeAccessToken, type TokenCheck } from '../../src/mcp/access-tokens.ts';
import { createTokenCheckCache, openListeningTokenCache } from '../../src/mcp/token-check-cache.ts';
import { createLogger } from '../../src/logger.ts';
import { eventually } from '../support/eventually.ts';
import { demoUsers, type DemoUser } from '../support/mcp-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const TOKEN = `cat_${'a'.repeat(43)}`;
const accepted = (tokenId: string, expiresAt: Date | null = null): TokenCheck => ({ ok: true, tokenId, userId: 'u', admin: false, expiresAt });

describe('the token check cache (in memory)', () => {
  it('answers an accepted token from memory until its time is up, and never remembers a refusal', async () => {
    let clock = 1_000;
    const answers: TokenCheck[] = [{ ok: false, reason: 'unknown token' }, accepted('t1'), accepted('t1')];
    let reads = 0;
    const cache = createTokenCheckCache(async () => answers[reads++]!, { ttlMs: 5_000, now: () => clock });
    expect(await cache.check(TOKEN)).toEqual({ ok: false, reason: 'unknown token' });
    expect(await cache.check(TOKEN)).toMatchObject({ ok: true });
    clock += 4_999;
    expect(await cache.check(TOKEN)).toMatchObject({ ok: true });
    expect(reads).toBe(2);
    clock += 1;
    await cache.check(TOKEN);
    expect(reads).toBe(3);
  });

  it('checks expiry on every use, drops a token whose change was announced, and caches nothing while suspended', async () => {
    let clock = 1_000;
    let reads = 0;
    const cache = createTokenCheckCache(async () => (reads++, accepted('t1', new Date(3_000))), { ttlMs: 60_000, now: () => clock });
    await cache.check(TOKEN);
    clock = 3_000;
    await cache.check(TOKEN);
    expect(reads).toBe(2);
    clock = 1_000;
    await cache.check(TOKEN);
    cache.forgetTokenId('other');
    await cache.check(TOKEN);
    expect(reads).toBe(2);
    cache.forgetTokenId('t1');
    await cache.check(TOKEN);
    expect(reads).toBe(3);
    cache.suspend();
    await cache.check(TOKEN);
    await cache.check(TOKEN);
    expect(reads).toBe(5);
    cache.resume();
    await cache.check(TOKEN);
    await cache.check(TOKEN);
    expect(reads).toBe(6);
  });

  it('does not store an answer read while a change was announced', async () => {
    let release!: () => void;
    let reads = 0;
    const cache = createTokenCheckCache(
      async () => {
        reads++;
        if (reads === 1) await new Promise<void>((resolve) => (release = resolve));
        return accepted('t1');
      },
      { ttlMs: 60_000 },
    );
    const first = cache.check(TOKEN);
    await eventually('the first read to start', () => reads === 1);
    cache.forgetTokenId('t1');
    release();
    await first;
    await cache.check(TOKEN);
    expect(reads).toBe(2);
  });
});

describe('the token check cache kept current by LISTEN/NOTIFY', () => {
  let db: TestDatabase;
  let alice: DemoUser;
  let reads = 0;
  const log = createLogger('silent');
  const countedCheck = (token: string) => {
    reads++;
    return checkAccessToken(db.service, token);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    [alice] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser];
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses a token revoked on another connection as soon as the announcement arrives, long before the cache window', async () => {
    const tokens = await openListeningTokenCache(countedCheck, { ttlMs: 60_000, connectionString: db.serviceUrl, log });
    try {
      const issued = await issueAccessToken(db.owner, { userId: alice.id, name: 'cached', admin: false, expiresAt: null });
      reads = 0;
      expect(await tokens.cache.check(issued.token)).toMatchObject({ ok: true, tokenId: issued.info.id });
      expect(await tokens.cache.check(issued.token)).toMatchObject({ ok: true });
      expect(reads).toBe(1);
      const revokedAt = Date.now();
      await revokeAccessToken(db.owner, issued.info.id);
      await eventually('the revoked token to be refused', async () => !(await tokens.cache.check(issued.token)).ok, 5_000, 5);
      expect(Date.now() - revokedAt).toBeLessThan(5_000);
      expect(await tokens.cache.check(issued.token)).toEqual({ ok: false, reason: 'token revoked' });

      const deleted = await issueAccessToken(db.owner, { userId: alice.id, name: 'deleted', admin: false, expiresAt: null });
      expect(await tokens.cache.check(deleted.token)).toMatchObject({ ok: true });
      await db.owner.deleteFrom('mcp_archiver.access_token').where('id', '=', deleted.info.id).execute();
      await eventually('the deleted token to be refused', async () => !(await tokens.cache.check(deleted.token)).ok, 5_000, 5);

      // last_used_at updates are not announced: they would empty the cache on every first use.
      const used = await issueAccessToken(db.owner, { userId: alice.id, name: 'used', admin: false, expiresAt: null });
      reads = 0;
      await tokens.cache.check(used.token);
      await db.owner.updateTable('mcp_archiver.access_token').set({ last_used_at: new Date() }).where('id', '=', used.info.id).execute();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await tokens.cache.check(used.token);
      expect(reads).toBe(1);
    } finally {
      await tokens.close();
    }
  });

  it('refuses a revoked token within the cache window even when no announcement arrives', async () => {
    const ttlMs = 400;
    const tokens = await openListeningTokenCache(countedCheck, { ttlMs, connectionString: db.serviceUrl, log });
    await sql`ALTER TABLE mcp_archiver.access_token DISABLE TRIGGER access_token_changed_notify`.execute(db.owner);
    try {
      const issued = await issueAccessToken(db.owner, { userId: alice.id, name: 'silent', admin: false, expiresAt: null });
      expect(await tokens.cache.check(issued.token)).toMatchObject({ ok: true });
      const cachedAt = Date.now();
      await revokeAccessToken(db.owner, issued.info.id);
      // Without the announcement the cached answer holds until the window ends, and not a moment longer.
      if (Date.now() - cachedAt < ttlMs / 2) expect(await tokens.cache.check(issued.token)).toMatchObject({ ok: true });
      await new Promise((resolve) => setTimeout(resolve, ttlMs - (Date.now() - cachedAt) + 5));
      expect(await tokens.cache.check(issued.token)).toEqual({ ok: false, reason: 'token revoked' });
    } finally {
      await sql`ALTER TABLE mcp_archiver.access_token ENABLE TRIGGER access_token_changed_notify`.execute(db.owner);
      await tokens.close();
    }
  });
});
