interface TrieNode<T> {
  readonly children: Map<number, TrieNode<T>>;
  items: Set<T> | undefined;
}

const node = <T>(): TrieNode<T> => ({ children: new Map(), items: undefined });

/**
 * A character trie over UTF-16 code units holding items under string keys. `collect` walks one input
 * string and yields the items of every key that is a prefix of it (or, reversed, a suffix).
 */
export class Trie<T> {
  readonly #root: TrieNode<T> = node();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  #path(key: string, reverse: boolean, create: boolean): TrieNode<T> | undefined {
    let at: TrieNode<T> = this.#root;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(reverse ? key.length - 1 - i : i);
      let next = at.children.get(code);
      if (next === undefined) {
        if (!create) return undefined;
        next = node();
        at.children.set(code, next);
      }
      at = next;
    }
    return at;
  }

  /** Items stored under exactly this key (0 when none). */
  countAt(key: string, reverse = false): number {
    return this.#path(key, reverse, false)?.items?.size ?? 0;
  }

  add(key: string, item: T, reverse = false): void {
    const at = this.#path(key, reverse, true) as TrieNode<T>;
    at.items ??= new Set();
    if (!at.items.has(item)) {
      at.items.add(item);
      this.#size++;
    }
  }

  delete(key: string, item: T, reverse = false): void {
    const at = this.#path(key, reverse, false);
    if (at?.items?.delete(item)) this.#size--;
  }

  /** Adds to `out` the items of every key that is a prefix (or with `reverse`, a suffix) of `input`. */
  collect(input: string, out: Set<T>, reverse = false): void {
    let at: TrieNode<T> | undefined = this.#root;
    for (let i = 0; at !== undefined; i++) {
      if (at.items !== undefined) for (const item of at.items) out.add(item);
      if (i === input.length) break;
      at = at.children.get(input.charCodeAt(reverse ? input.length - 1 - i : i));
    }
  }
}
