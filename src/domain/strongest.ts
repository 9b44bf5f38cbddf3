/** A link target by its number in the universe (numbers follow id order), with the link's weight. */
export interface Candidate {
  index: number;
  weight: number;
}

export function stronger(a: Candidate, b: Candidate): boolean {
  return a.weight > b.weight || (a.weight === b.weight && a.index < b.index);
}

/** Keeps the k strongest candidates offered (heavier first, ties by id) without sorting them all. */
export class Strongest {
  readonly items: Candidate[] = [];

  constructor(readonly k: number) {}

  /** The weakest kept candidate once k are kept. */
  get weakest(): Candidate | undefined {
    return this.items.length >= this.k ? this.items[this.k - 1] : undefined;
  }

  offer(index: number, weight: number): void {
    const { items, k } = this;
    if (k <= 0) return;
    const weakest = this.weakest;
    if (weakest && (weight < weakest.weight || (weight === weakest.weight && index >= weakest.index))) return;
    const c = { index, weight };
    let at = items.length;
    while (at > 0 && stronger(c, items[at - 1]!)) at--;
    items.splice(at, 0, c);
    if (items.length > k) items.pop();
  }
}
