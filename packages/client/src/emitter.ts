// biome-ignore lint/suspicious/noExplicitAny: listener argument types come from each event map.
type Listener = (ctx: any) => void;

/** Maps event names to their listener signatures: one context argument each. */
export type EventMap<T> = { [K in keyof T]: Listener };

/**
 * A small typed event emitter (the subset of eventemitter3 the SDK needs: `on`, `once`, `off`,
 * `emit`, `listenerCount`, `removeAllListeners`). Listeners run in the order they were added.
 */
export class Emitter<Events extends EventMap<Events>> {
  #listeners: { [K in keyof Events]?: Events[K][] } = {};

  /** Adds `fn` for `event`. */
  on<K extends keyof Events>(event: K, fn: Events[K]): this {
    const list = this.#listeners[event];
    if (list) list.push(fn);
    else this.#listeners[event] = [fn];
    return this;
  }

  /** Adds `fn` for the next `event` only. */
  once<K extends keyof Events>(event: K, fn: Events[K]): this {
    const wrapper = ((ctx: unknown) => {
      this.off(event, wrapper);
      fn(ctx);
    }) as Events[K] & { fn?: Events[K] };
    wrapper.fn = fn;
    return this.on(event, wrapper);
  }

  /** Removes `fn` (added with `on` or `once`) from `event`, or every listener of `event`. */
  off<K extends keyof Events>(event: K, fn?: Events[K]): this {
    const list = this.#listeners[event];
    if (!list) return this;
    const rest = fn ? list.filter((l) => l !== fn && (l as { fn?: unknown }).fn !== fn) : [];
    if (rest.length) this.#listeners[event] = rest;
    else delete this.#listeners[event];
    return this;
  }

  /** Removes every listener, of one event or of all. */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.#listeners = {};
    else delete this.#listeners[event];
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners[event]?.length ?? 0;
  }

  /**
   * Calls every listener of `event` with `ctx`; true when there was one. A listener that throws
   * does not keep the others from running; the first error is rethrown after all of them ran.
   */
  emit<K extends keyof Events>(event: K, ctx: Parameters<Events[K]>[0]): boolean {
    const list = this.#listeners[event];
    if (!list) return false;
    let failed = false;
    let first: unknown;
    for (const fn of list.slice()) {
      try {
        fn(ctx);
      } catch (err) {
        if (!failed) first = err;
        failed = true;
      }
    }
    if (failed) throw first;
    return true;
  }
}
