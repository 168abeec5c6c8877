// An indexed 4-ary min-heap of the adjacent pairs of a piece being merged. A pair is named by the first
// byte of its left part and ordered by (rank, name), so that the top is the lowest-ranked pair and, among
// equal ranks, the leftmost one. Both are packed into one double (rank · 2³² + name, exact below 2⁵³) and
// kept in heap order next to the names, so that a comparison is one read of a contiguous array. Four
// children per node halve the depth, which pays on the million-pair heaps of megabyte-long pieces.

const NAME_SPAN = 4294967296;

export class PairHeap {
  readonly #keys: Float64Array;
  readonly #names: Int32Array;
  readonly #indexOf: Int32Array; // name → heap index, or -1
  #size = 0;

  constructor(capacity: number) {
    this.#keys = new Float64Array(capacity);
    this.#names = new Int32Array(capacity);
    this.#indexOf = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.#size;
  }

  /** Name of the pair with the lowest (rank, name); the heap must not be empty. */
  top(): number {
    return this.#names[0]!;
  }

  /** Adds a pair without restoring the heap order: call `heapify` once after the last one. */
  append(name: number, rank: number): void {
    const index = this.#size++;
    this.#keys[index] = rank * NAME_SPAN + name;
    this.#names[index] = name;
    this.#indexOf[name] = index;
  }

  heapify(): void {
    for (let index = (this.#size - 2) >> 2; index >= 0; index--) this.#siftDown(index);
  }

  /** Sets the rank of a pair, adding it if absent. */
  set(name: number, rank: number): void {
    const key = rank * NAME_SPAN + name;
    const index = this.#indexOf[name]!;
    if (index < 0) {
      this.#keys[this.#size] = key;
      this.#names[this.#size] = name;
      this.#siftUp(this.#size++);
      return;
    }
    const old = this.#keys[index]!;
    this.#keys[index] = key;
    if (key < old) this.#siftUp(index);
    else if (key > old) this.#siftDown(index);
  }

  delete(name: number): void {
    const index = this.#indexOf[name]!;
    if (index < 0) return;
    this.#indexOf[name] = -1;
    const last = --this.#size;
    if (index === last) return;
    const key = this.#keys[last]!;
    const moved = this.#names[last]!;
    const old = this.#keys[index]!;
    this.#keys[index] = key;
    this.#names[index] = moved;
    this.#indexOf[moved] = index;
    if (key < old) this.#siftUp(index);
    else this.#siftDown(index);
  }

  #siftUp(index: number): void {
    const keys = this.#keys;
    const names = this.#names;
    const indexOf = this.#indexOf;
    const key = keys[index]!;
    const name = names[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 2;
      const parentKey = keys[parent]!;
      if (parentKey <= key) break;
      keys[index] = parentKey;
      const parentName = names[parent]!;
      names[index] = parentName;
      indexOf[parentName] = index;
      index = parent;
    }
    keys[index] = key;
    names[index] = name;
    indexOf[name] = index;
  }

  #siftDown(index: number): void {
    const keys = this.#keys;
    const names = this.#names;
    const indexOf = this.#indexOf;
    const size = this.#size;
    const key = keys[index]!;
    const name = names[index]!;
    for (;;) {
      const first = 4 * index + 1;
      if (first >= size) break;
      let child = first;
      let childKey = keys[first]!;
      const last = first + 3 < size ? first + 3 : size - 1;
      for (let other = first + 1; other <= last; other++) {
        const otherKey = keys[other]!;
        if (otherKey < childKey) {
          child = other;
          childKey = otherKey;
        }
      }
      if (childKey >= key) break;
      keys[index] = childKey;
      const childName = names[child]!;
      names[index] = childName;
      indexOf[childName] = index;
      index = child;
    }
    keys[index] = key;
    names[index] = name;
    indexOf[name] = index;
  }
}
