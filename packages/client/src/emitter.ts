// biome-ignore lint/suspicious/noExplicitAny: listener argument types come from each event map.
type Listener = (ctx: any) => void;

/** Maps event names to their listener signatures: one context argument each. */
export type EventMap<T> = { [K in keyof T]: Listener };

/** A listener added with `once`, which remembers the function it wraps so `off` can find it. */
type Wrapper = Listener & { fn?: Listener };

/**
 * A small typed event emitter (the subset of eventemitter3 the SDK needs: `on`, `once`, `off`,
 * `emit`, `listenerCount`, `removeAllListeners`). Listeners run in the order they were added.
 */
export class Emitter<Events extends EventMap<Events>> {
  // A Map, not an object: no event name can reach Object.prototype. The lists are copied on
  // write, never changed in place, so emit needs no copy to let listeners come and go meanwhile.
  readonly #listeners = new Map<keyof Events, readonly Wrapper[]>();

  /** Adds `fn` for `event`. */
  on<K extends keyof Events>(event: K, fn: Events[K]): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), fn]);
    return this;
  }

  /** Adds `fn` for the next `event` only. */
  once<K extends keyof Events>(event: K, fn: Events[K]): this {
    const wrapper: Wrapper = (ctx) => {
      this.off(event, wrapper as Events[K]);
      fn(ctx);
    };
    wrapper.fn = fn;
    return this.on(event, wrapper as Events[K]);
  }

  /** Removes `fn` (added with `on` or `once`) from `event`, or every listener of `event`. */
  off<K extends keyof Events>(event: K, fn?: Events[K]): this {
    const rest = fn ? this.#listeners.get(event)?.filter((l) => l !== fn && l.fn !== fn) : [];
    if (rest?.length) this.#listeners.set(event, rest);
    else this.#listeners.delete(event);
    return this;
  }

  /** Removes every listener, of one event or of all. */
  removeAllListeners(event?: keyof Events): this {
    if (event !== undefined) return this.off(event);
    this.#listeners.clear();
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /**
   * Calls every listener of `event` with `ctx`; true when there was one. A listener that throws
   * does not keep the others from running; the first error is rethrown after all of them ran.
   */
  emit<K extends keyof Events>(event: K, ctx: Parameters<Events[K]>[0]): boolean {
    const list = this.#listeners.get(event);
    let failed = false;
    let first: unknown;
    for (const fn of list ?? []) {
      try {
        fn(ctx);
      } catch (err) {
        if (!failed) first = err;
        failed = true;
      }
    }
    if (failed) throw first;
    return !!list;
  }
}
