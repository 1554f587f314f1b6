import type { EncodedFrame } from '@hubbub/protocol';

/** One outbound frame. `onSent` runs once the frame was handed to the socket. */
export interface QueueEntry {
  readonly frame: EncodedFrame;
  readonly onSent?: () => void;
  /** Set when the request gave up before it was sent: the queue drops the frame instead. */
  _dropped?: boolean;
}

/** The part of a WebSocket the queue drives. */
export interface QueueSink {
  readonly bufferedAmount: number;
  send(frame: EncodedFrame): void;
}

/**
 * How often a queue held by a full socket buffer looks again, in ms. Browsers have no drain
 * event for WebSocket, so the buffer is polled while it is above the high-water mark.
 */
export const DRAIN_POLL_MS = 16;

/**
 * Ordered outbound queue. Frames leave only while a socket is attached, its `bufferedAmount` is
 * under the high-water mark and the token bucket (rate per second, with a burst) has a token.
 */
export class SendQueue {
  #items: (QueueEntry | undefined)[] = [];
  #head = 0;
  /** Frames the server refused for the rate: they go before every other waiting frame. */
  #retries: QueueEntry[] = [];
  #sink: QueueSink | undefined;
  #rate = 0;
  #burst = 1;
  #tokens = 0;
  #refilledAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly #highWaterMark: number;
  readonly #now: () => number;

  /**
   * @param highWaterMark bytes of `bufferedAmount` at or above which sending pauses.
   * @param now clock, in ms.
   */
  constructor(highWaterMark: number, now: () => number = Date.now) {
    this.#highWaterMark = highWaterMark;
    this.#now = now;
  }

  /** Frames waiting to be handed to the socket. */
  get length(): number {
    return this.#items.length - this.#head + this.#retries.length;
  }

  /** Bytes the attached socket still holds, 0 when detached. */
  get bufferedAmount(): number {
    return this.#sink?.bufferedAmount ?? 0;
  }

  /** Appends a frame and sends what the limits allow. */
  push(entry: QueueEntry): void {
    this.#items.push(entry);
    this.flush();
  }

  /**
   * Sends a frame the server refused with `RATE_LIMITED` again, ahead of the frames still waiting
   * (after earlier retries, so they keep their order), once the bucket allows: the caller backs
   * off first (see {@link backOff}), once per refusal.
   */
  retry(entry: QueueEntry): void {
    this.#retries.push(entry);
    this.flush();
  }

  /**
   * The server refused a frame for the rate, so its bucket is empty: empty ours too, and owe one
   * more token, so each refusal slows the client below the server's refill until the refusals stop.
   */
  backOff(): void {
    this.#tokens = Math.min(this.#tokens, 0) - 1;
    this.flush();
  }

  /** Drops every waiting frame. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#retries = [];
  }

  /**
   * Starts sending into `sink`, at most `ratePerSecond` frames per second (0: no pacing) with
   * bursts of up to `burst` frames.
   */
  attach(sink: QueueSink, ratePerSecond: number, burst: number): void {
    this.detach();
    this.#sink = sink;
    this.#rate = Math.max(0, ratePerSecond);
    this.#tokens = this.#burst = Math.max(1, Math.floor(burst));
    this.#refilledAt = this.#now();
    this.flush();
  }

  /** Stops sending; waiting frames stay. */
  detach(): void {
    this.#sink = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Sends waiting frames while the buffer and the rate allow. */
  flush(): void {
    const sink = this.#sink;
    if (this.#timer !== undefined || !sink) return;
    while (this.length > 0) {
      if (sink.bufferedAmount >= this.#highWaterMark) {
        this.#wake(DRAIN_POLL_MS);
        return;
      }
      if (this.#rate > 0 && !this.#take()) {
        this.#wake(Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
        return;
      }
      const entry = this.#retries.shift() ?? this.#next();
      if (entry._dropped) continue;
      try {
        sink.send(entry.frame);
      } catch {
        // A closing socket refuses frames; its close event follows, and unacked publishes go out
        // again on the next link.
      }
      entry.onSent?.();
      if (this.#sink !== sink) return;
    }
    this.clear();
  }

  #next(): QueueEntry {
    const entry = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined;
    // Drop the sent prefix now and then, so a queue that never drains does not grow forever.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  #take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  #wake(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, ms);
  }
}
