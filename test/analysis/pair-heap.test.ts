import { describe, it, expect } from 'vitest';
import { PairHeap } from '../../src/analysis/pair-heap.ts';

describe('PairHeap', () => {
  it('always tops the lowest rank, and the lowest name among equal ranks, through random updates', () => {
    const capacity = 500;
    const heap = new PairHeap(capacity);
    const model = new Map<number, number>(); // name → rank
    let seed = 3;
    const random = (limit: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % limit;
    };
    for (let name = 0; name < capacity; name += 2) {
      const rank = random(50);
      heap.append(name, rank);
      model.set(name, rank);
    }
    heap.heapify();
    const expectedTop = () => {
      let best: [number, number] | undefined;
      for (const [name, rank] of model) if (!best || rank < best[1] || (rank === best[1] && name < best[0])) best = [name, rank];
      return best?.[0];
    };
    for (let step = 0; step < 20_000; step++) {
      expect(heap.size).toBe(model.size);
      if (model.size > 0) expect(heap.top()).toBe(expectedTop());
      const name = random(capacity);
      if (random(3) === 0) {
        heap.delete(name);
        model.delete(name);
      } else {
        const rank = random(50);
        heap.set(name, rank);
        model.set(name, rank);
      }
    }
  });

  it('orders ranks up to the largest real ones and names up to millions exactly', () => {
    const heap = new PairHeap(4_000_001);
    heap.set(4_000_000, 199_997);
    heap.set(3_999_999, 199_997);
    heap.set(0, 199_998);
    expect(heap.top()).toBe(3_999_999);
    heap.delete(3_999_999);
    expect(heap.top()).toBe(4_000_000);
    heap.delete(4_000_000);
    expect(heap.top()).toBe(0);
    heap.delete(0);
    expect(heap.size).toBe(0);
  });
});
