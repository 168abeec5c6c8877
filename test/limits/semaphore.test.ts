import { describe, expect, it } from 'vitest';
import { Semaphore, SemaphoreBusyError } from '../../src/limits/semaphore.ts';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('Semaphore', () => {
  it('never runs more than its permits at once and hands each freed permit to the next waiter', async () => {
    const semaphore = new Semaphore(2, { maxWaiting: 10, waitMs: 10_000 });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, deferred);
    const runs = gates.map((gate) =>
      semaphore.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
      }),
    );
    expect(semaphore.waiting).toBe(4);
    for (const gate of gates) gate.resolve();
    await Promise.all(runs);
    expect(peak).toBe(2);
    expect(semaphore.inUse).toBe(0);
  });

  it('refuses when the wait is too long or the queue is full, and frees the permit after a failure', async () => {
    const semaphore = new Semaphore(1, { maxWaiting: 1, waitMs: 20 });
    const gate = deferred();
    const holder = semaphore.run(() => gate.promise, 10_000);
    const waiter = semaphore.run(async () => 'late');
    await expect(semaphore.run(async () => 'queue full')).rejects.toBeInstanceOf(SemaphoreBusyError);
    await expect(waiter).rejects.toBeInstanceOf(SemaphoreBusyError);
    gate.resolve();
    await holder;
    await expect(semaphore.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await semaphore.run(async () => 'ok')).toBe('ok');
    expect(semaphore.inUse).toBe(0);
  });
});
