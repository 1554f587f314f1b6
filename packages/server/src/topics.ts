/**
 * Two-way subscription index: topic → subscribers here, and each subscriber's own topics (kept on
 * the subscriber), so a disconnect costs only as much as its own subscriptions.
 */
export interface Subscriber {
  /**
   * Topics this subscriber holds: `null` for none, the topic itself for one (most connections
   * hold one, and a `Set` costs about 190 bytes), a `Set` for more.
   */
  topics: string | Set<string> | null;
}

/** How many topics `sub` holds. */
export function topicCount(sub: Subscriber): number {
  const t = sub.topics;
  return t === null ? 0 : typeof t === 'string' ? 1 : t.size;
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
    const t = sub.topics;
    return t === null ? false : typeof t === 'string' ? t === topic : t.has(topic);
  }

  /** Adds a subscription. Returns true when `topic` had no local subscriber before. */
  add(sub: S, topic: string): boolean {
    const t = sub.topics;
    if (t === null) sub.topics = topic;
    else if (typeof t === 'string') {
      if (t === topic) return false;
      sub.topics = new Set([t, topic]);
    } else {
      if (t.has(topic)) return false;
      t.add(topic);
    }
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
    const t = sub.topics;
    if (t === null) return false;
    if (typeof t === 'string') {
      if (t !== topic) return false;
      sub.topics = null;
    } else {
      if (!t.delete(topic)) return false;
      if (t.size === 1) sub.topics = t.values().next().value as string;
    }
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
    const t = sub.topics;
    if (t === null) return emptied;
    for (const topic of typeof t === 'string' ? [t] : [...t]) {
      if (this.remove(sub, topic)) emptied.push(topic);
    }
    return emptied;
  }
}
