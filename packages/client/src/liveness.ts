/**
 * Fires `onTimeout` when no traffic was seen for `timeoutMs`. `touch()` is cheap (one clock
 * read), so it can run on every inbound frame; the timer is re-armed only when it fires.
 */
export class Watchdog {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #last = 0;
  #timeoutMs = 0;

  readonly #onTimeout: () => void;
  readonly #now: () => number;

  constructor(onTimeout: () => void, now: () => number = Date.now) {
    this.#onTimeout = onTimeout;
    this.#now = now;
  }

  /** (Re)starts watching with a new timeout, counting from now. */
  start(timeoutMs: number): void {
    this.#timeoutMs = timeoutMs;
    this.touch();
    this.#arm(timeoutMs);
  }

  /** Records traffic. */
  touch(): void {
    this.#last = this.#now();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(ms: number): void {
    this.stop();
    this.#timer = setTimeout(() => {
      const idle = this.#now() - this.#last;
      if (idle < this.#timeoutMs) this.#arm(this.#timeoutMs - idle);
      else this.#onTimeout();
    }, ms);
  }
}

/**
 * Silence after which a link counts as dead: the server's ping interval plus a grace of half of
 * it, at least one second.
 */
export function livenessTimeout(heartbeatMs: number, override?: number): number {
  return override ?? heartbeatMs + Math.max(1_000, Math.round(heartbeatMs / 2));
}
