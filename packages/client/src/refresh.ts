/** Share of the announced token ttl after which the client asks for a new token. */
export const REFRESH_AT = 0.8;

/**
 * Schedules token refreshes at {@link REFRESH_AT} of each ttl, with at most one request in flight.
 * `request` sends the refresh and resolves with the next ttl (or `undefined`: no expiry).
 */
export class TokenRefresher {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;
  #inFlight = false;

  readonly #request: () => Promise<number | undefined>;
  readonly #onError: (err: unknown) => void;

  constructor(request: () => Promise<number | undefined>, onError: (err: unknown) => void) {
    this.#request = request;
    this.#onError = onError;
  }

  /** Plans the next refresh for a token that expires in `ttlMs`; `undefined` plans none. */
  schedule(ttlMs: number | undefined): void {
    this.#clearTimer();
    if (ttlMs === undefined) return;
    this.#timer = setTimeout(() => this.run(), Math.floor(ttlMs * REFRESH_AT));
  }

  /** Refreshes now, unless a refresh is already in flight. */
  run(): void {
    if (this.#inFlight) return;
    this.#clearTimer();
    this.#inFlight = true;
    const generation = this.#generation;
    this.#request().then(
      (ttlMs) => {
        if (generation !== this.#generation) return;
        this.#inFlight = false;
        this.schedule(ttlMs);
      },
      (err: unknown) => {
        if (generation !== this.#generation) return;
        this.#inFlight = false;
        this.#onError(err);
      },
    );
  }

  /** Cancels the plan and forgets any request in flight (its answer is ignored). */
  stop(): void {
    this.#clearTimer();
    this.#generation++;
    this.#inFlight = false;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
