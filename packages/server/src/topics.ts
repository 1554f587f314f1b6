/**
 * Two-way subscription index: topic → subscribers here, and each subscriber's own set of topics
 * (kept on the subscriber), so a disconnect costs only as much as its own subscriptions.
 */
export interface Subscriber {
  /** Topics this subscriber holds; `null` until its first subscription. */
  topics: Set<string> | null;
}

/** Map of topic → local subscribers. */
export class TopicIndex<S extends Subscriber> {
  readonly #topics = new Map<string, Set<S>>();
  #subscriptions = 0;

  /** Number of topics with at least one local subscriber. */
  get size(): number {
    return this.#topics.size;
  }

  /** Total subscriptions over all topics. */
  get subscriptions(): number {
    return this.#subscriptions;
  }

  /** Local subscribers of `topic`, or undefined when there are none. */
  subscribers(topic: string): Set<S> | undefined {
    return this.#topics.get(topic);
  }

  has(sub: S, topic: string): boolean {
    return sub.topics?.has(topic) === true;
  }

  /** Adds a subscription. Returns true when `topic` had no local subscriber before. */
  add(sub: S, topic: string): boolean {
    if (sub.topics === null) sub.topics = new Set();
    if (sub.topics.has(topic)) return false;
    sub.topics.add(topic);
    this.#subscriptions++;
    let set = this.#topics.get(topic);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.#topics.set(topic, set);
    }
    set.add(sub);
    return first;
  }

  /** Removes a subscription. Returns true when `topic` has no local subscriber left. */
  remove(sub: S, topic: string): boolean {
    if (sub.topics === null || !sub.topics.delete(topic)) return false;
    if (sub.topics.size === 0) sub.topics = null;
    this.#subscriptions--;
    const set = this.#topics.get(topic);
    if (set === undefined) return false;
    set.delete(sub);
    if (set.size > 0) return false;
    this.#topics.delete(topic);
    return true;
  }

  /** Removes every subscription of `sub`; returns the topics left without local subscribers. */
  removeAll(sub: S): string[] {
    const emptied: string[] = [];
    if (sub.topics === null) return emptied;
    for (const topic of [...sub.topics]) {
      if (this.remove(sub, topic)) emptied.push(topic);
    }
    return emptied;
  }
}
