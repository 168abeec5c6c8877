/** Why a request was refused, in words that name the limit, and when to try again. */
export interface CallRefusal {
  limit: 'concurrent_calls' | 'calls_per_minute';
  message: string;
  retryAfterSeconds: number;
}

export type CallAdmission = { admitted: true; release(): void } | ({ admitted: false } & CallRefusal);

export interface TokenCallLimits {
  concurrentCallsPerToken: number;
  callsPerMinutePerToken: number;
}

interface TokenState {
  inFlight: number;
  /** Calls left in the bucket (fractional while it refills). */
  allowance: number;
  refilledAt: number;
}

/**
 * Per-token admission for one process: at most `concurrentCallsPerToken` calls in flight, and a token bucket of
 * `callsPerMinutePerToken` calls refilled continuously. A refused call costs nothing (it never reaches a tool).
 */
export class TokenCallLimiter {
  readonly #limits: TokenCallLimits;
  readonly #states = new Map<string, TokenState>();
  readonly #now: () => number;

  constructor(limits: TokenCallLimits, now: () => number = () => performance.now()) {
    this.#limits = limits;
    this.#now = now;
  }

  admit(key: string): CallAdmission {
    const now = this.#now();
    const { concurrentCallsPerToken: maxInFlight, callsPerMinutePerToken: perMinute } = this.#limits;
    const state = this.#states.get(key) ?? { inFlight: 0, allowance: perMinute, refilledAt: now };
    state.allowance = Math.min(perMinute, state.allowance + ((now - state.refilledAt) / 60_000) * perMinute);
    state.refilledAt = now;
    this.#states.set(key, state);
    if (state.inFlight >= maxInFlight) {
      return {
        admitted: false,
        limit: 'concurrent_calls',
        message: `too many concurrent calls: this token may have ${maxInFlight} calls in flight at once (MCP_TOKEN_MAX_CONCURRENT_CALLS); wait for one to finish`,
        retryAfterSeconds: 1,
      };
    }
    if (state.allowance < 1) {
      return {
        admitted: false,
        limit: 'calls_per_minute',
        message: `rate limit: this token may make ${perMinute} calls per minute (MCP_TOKEN_CALLS_PER_MINUTE); slow down`,
        retryAfterSeconds: Math.max(1, Math.ceil(((1 - state.allowance) / perMinute) * 60)),
      };
    }
    state.allowance -= 1;
    state.inFlight += 1;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        state.inFlight -= 1;
        this.#forgetIdle(key, state);
      },
    };
  }

  /** A token at rest with a full bucket needs no state: the map stays as small as the set of busy tokens. */
  #forgetIdle(key: string, state: TokenState): void {
    const full = state.allowance + ((this.#now() - state.refilledAt) / 60_000) * this.#limits.callsPerMinutePerToken >= this.#limits.callsPerMinutePerToken;
    if (state.inFlight === 0 && full) this.#states.delete(key);
  }

  /** Tokens with state (in flight or with a bucket still refilling): for tests and metrics. */
  get trackedTokens(): number {
    return this.#states.size;
  }
}
