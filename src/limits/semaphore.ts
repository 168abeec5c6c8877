/** Raised when a permit did not come within the wait allowed, or too many callers already wait. */
export class SemaphoreBusyError extends Error {
  override readonly name = 'SemaphoreBusyError';
}

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

/**
 * A counting semaphore with a bounded wait and a bounded queue: expensive work takes a permit, so that it can never
 * hold more than `permits` of the shared database connections while cheap calls wait for none.
 */
export class Semaphore {
  readonly permits: number;
  /** How long a caller waits for a permit before it is refused. */
  readonly waitMs: number;
  readonly #maxWaiting: number;
  #inUse = 0;
  readonly #waiting: Waiter[] = [];

  constructor(permits: number, options: { maxWaiting: number; waitMs: number }) {
    this.permits = permits;
    this.waitMs = options.waitMs;
    this.#maxWaiting = options.maxWaiting;
  }

  /** Runs `work` holding a permit; waits at most `waitMs` (the semaphore's own wait unless given) for one. */
  async run<T>(work: () => Promise<T>, waitMs = this.waitMs): Promise<T> {
    await this.#acquire(waitMs);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  get inUse(): number {
    return this.#inUse;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  #acquire(waitMs: number): Promise<void> {
    if (this.#inUse < this.permits) {
      this.#inUse += 1;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#maxWaiting) return Promise.reject(new SemaphoreBusyError(`${this.#waiting.length} calls already wait`));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
          reject(new SemaphoreBusyError(`no permit within ${waitMs} ms`));
        }, waitMs),
      };
      this.#waiting.push(waiter);
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    // The permit passes straight to the next waiter: the count stays.
    if (next) next.grant();
    else this.#inUse -= 1;
  }
}
