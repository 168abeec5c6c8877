import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cooperative scheduling for CPU-heavy work on the worker's event loop: code that walks a large input checks `due`
 * now and then and awaits `yield()` when it is, so that pg-boss heartbeats, /healthz and the MCP server sharing the
 * process are served at least every `budgetMs` (docs/PIPELINE.md, "Long messages").
 */
export class TimeSlice {
  readonly #budgetMs: number;
  #since = performance.now();

  constructor(budgetMs = DEFAULT_SLICE_MS) {
    this.#budgetMs = budgetMs;
  }

  /** Whether the work since the last yield has used up the budget. */
  get due(): boolean {
    return performance.now() - this.#since >= this.#budgetMs;
  }

  /** Lets timers and I/O run (one turn of the event loop), then starts a new slice. */
  async yield(): Promise<void> {
    await nextTurn();
    this.#since = performance.now();
  }

  async yieldIfDue(): Promise<void> {
    if (this.due) await this.yield();
  }
}

/** Long enough that yielding costs nothing measurable, short enough to keep the loop responsive. */
export const DEFAULT_SLICE_MS = 20;
