// Joins many pieces of text (blank line between them) while holding at most about twice `maxChars`:
// everything when it fits, otherwise the first and the last `maxChars / 2` characters around an
// ellipsis line, which is where a long conversation's topic and conclusion usually are.

const SEPARATOR = '\n\n';
const ELLIPSIS = '\n…\n';

export class HeadTailText {
  readonly #maxChars: number;
  #head = '';
  readonly #tail: string[] = [];
  #tailChars = 0;
  #total = 0;

  constructor(maxChars: number) {
    if (!Number.isSafeInteger(maxChars) || maxChars < 2) throw new RangeError('maxChars must be an integer of at least 2');
    this.#maxChars = maxChars;
  }

  add(piece: string): void {
    if (piece === '') return;
    let text = this.#total === 0 ? piece : SEPARATOR + piece;
    this.#total += text.length;
    if (this.#head.length < this.#maxChars) {
      const room = this.#maxChars - this.#head.length;
      this.#head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text === '') return;
    this.#tail.push(text);
    this.#tailChars += text.length;
    while (this.#tail.length > 1 && this.#tailChars - this.#tail[0]!.length >= this.#maxChars) {
      this.#tailChars -= this.#tail.shift()!.length;
    }
  }

  /** Characters added so far, separators included. */
  get length(): number {
    return this.#total;
  }

  toString(): string {
    if (this.#total <= this.#maxChars) return this.#head;
    const half = Math.floor(this.#maxChars / 2);
    const end = (this.#head.slice(-half) + this.#tail.join('')).slice(-half);
    return `${this.#head.slice(0, half)}${ELLIPSIS}${end}`;
  }
}
