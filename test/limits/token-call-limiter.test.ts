import { describe, expect, it } from 'vitest';
import { TokenCallLimiter } from '../../src/limits/token-call-limiter.ts';

describe('TokenCallLimiter', () => {
  it('admits up to the concurrent limit per token, and again once a call is released', () => {
    const limiter = new TokenCallLimiter({ concurrentCallsPerToken: 2, callsPerMinutePerToken: 100 }, () => 0);
    const a = limiter.admit('t1');
    const b = limiter.admit('t1');
    const c = limiter.admit('t1');
    expect([a.admitted, b.admitted, c.admitted]).toEqual([true, true, false]);
    expect(c).toMatchObject({ limit: 'concurrent_calls', retryAfterSeconds: 1 });
    expect(limiter.admit('t2').admitted).toBe(true);
    if (a.admitted) a.release();
    if (a.admitted) a.release();
    expect(limiter.admit('t1').admitted).toBe(true);
    expect(limiter.admit('t1').admitted).toBe(false);
  });

  it('refills the per-minute bucket continuously and says when the next call is allowed', () => {
    let now = 0;
    const limiter = new TokenCallLimiter({ concurrentCallsPerToken: 100, callsPerMinutePerToken: 6 }, () => now);
    for (let i = 0; i < 6; i++) {
      const admission = limiter.admit('t');
      expect(admission.admitted).toBe(true);
      if (admission.admitted) admission.release();
    }
    const refused = limiter.admit('t');
    expect(refused).toMatchObject({ admitted: false, limit: 'calls_per_minute', retryAfterSeconds: 10 });
    now = 10_000;
    expect(limiter.admit('t').admitted).toBe(true);
  });

  it('forgets tokens at rest with a full bucket', () => {
    let now = 0;
    const limiter = new TokenCallLimiter({ concurrentCallsPerToken: 5, callsPerMinutePerToken: 60 }, () => now);
    const admission = limiter.admit('t');
    now = 60_000;
    if (admission.admitted) admission.release();
    expect(limiter.trackedTokens).toBe(0);
  });
});
