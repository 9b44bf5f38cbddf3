/**
 * A max-heap over item numbers, ranked by `keys[item]` (ties: lower number first), built in place over
 * the first `count` entries of `items`. Popping moves the top behind the heap instead of dropping it,
 * so `items` keeps listing every item for later cleanup.
 */
export class IndexMaxHeap {
  size: number;

  constructor(
    private readonly items: Int32Array,
    count: number,
    private readonly keys: Float64Array,
  ) {
    this.size = count;
    for (let i = (count >> 1) - 1; i >= 0; i--) this.down(i);
  }

  peek(): number {
    return this.items[0]!;
  }

  pop(): number {
    const top = this.items[0]!;
    this.size--;
    this.items[0] = this.items[this.size]!;
    this.items[this.size] = top;
    this.down(0);
    return top;
  }

  private before(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka > kb || (ka === kb && a < b);
  }

  private down(i: number): void {
    const { items } = this;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < this.size && this.before(items[l]!, items[top]!)) top = l;
      if (r < this.size && this.before(items[r]!, items[top]!)) top = r;
      if (top === i) return;
      const tmp = items[i]!;
      items[i] = items[top]!;
      items[top] = tmp;
      i = top;
    }
  }
}
