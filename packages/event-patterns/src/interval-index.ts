import { compareNumbers } from './matchers.ts';

/** A numeric interval; either end may be open or infinite. -0 sorts below 0, as in event-ruler. */
export interface Interval {
  readonly low: number;
  readonly lowOpen: boolean;
  readonly high: number;
  readonly highOpen: boolean;
}

const contains = (r: Interval, x: number): boolean => {
  const low = compareNumbers(x, r.low);
  const high = compareNumbers(x, r.high);
  return (r.lowOpen ? low > 0 : low >= 0) && (r.highOpen ? high < 0 : high <= 0);
};

interface TreeNode<T> {
  readonly center: number;
  readonly byLow: readonly (readonly [Interval, T])[];
  readonly byHigh: readonly (readonly [Interval, T])[];
  readonly left: TreeNode<T> | undefined;
  readonly right: TreeNode<T> | undefined;
}

function build<T>(entries: readonly (readonly [Interval, T])[]): TreeNode<T> | undefined {
  if (entries.length === 0) return undefined;
  const ends = entries
    .flatMap(([r]) => [r.low, r.high])
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const center = ends[(ends.length - 1) >> 1] ?? 0;
  const here: (readonly [Interval, T])[] = [];
  const left: (readonly [Interval, T])[] = [];
  const right: (readonly [Interval, T])[] = [];
  for (const e of entries) {
    if (e[0].high < center) left.push(e);
    else if (e[0].low > center) right.push(e);
    else here.push(e);
  }
  return {
    center,
    byLow: [...here].sort((a, b) => a[0].low - b[0].low),
    byHigh: [...here].sort((a, b) => b[0].high - a[0].high),
    left: build(left),
    right: build(right),
  };
}

/**
 * Numeric ranges held in sorted bounds (a centred interval tree, rebuilt lazily after changes):
 * a stabbing query costs O(log n + matches), not a scan of every range.
 */
export class IntervalIndex<T> {
  readonly #entries = new Map<T, Interval[]>();
  #tree: TreeNode<T> | undefined;
  #dirty = false;

  get size(): number {
    return this.#entries.size;
  }

  add(range: Interval, item: T): void {
    const list = this.#entries.get(item);
    if (list) list.push(range);
    else this.#entries.set(item, [range]);
    this.#dirty = true;
  }

  delete(item: T): void {
    if (this.#entries.delete(item)) this.#dirty = true;
  }

  /** Adds to `out` every item with a range containing `x`. */
  collect(x: number, out: Set<T>): void {
    if (this.#dirty) {
      this.#tree = build(
        [...this.#entries].flatMap(([item, ranges]) => ranges.map((r) => [r, item] as const)),
      );
      this.#dirty = false;
    }
    let at = this.#tree;
    while (at !== undefined) {
      if (x < at.center) {
        for (const [r, item] of at.byLow) {
          if (r.low > x) break;
          if (contains(r, x)) out.add(item);
        }
        at = at.left;
      } else if (x > at.center) {
        for (const [r, item] of at.byHigh) {
          if (r.high < x) break;
          if (contains(r, x)) out.add(item);
        }
        at = at.right;
      } else {
        for (const [r, item] of at.byLow) if (contains(r, x)) out.add(item);
        at = undefined;
      }
    }
  }
}
