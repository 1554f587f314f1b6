import type { Corkable } from '../connection/socket.js';

/** What a connection keeps for write batching. */
export interface Batched {
  /** Round of the batcher in which this socket was last written to. */
  writeRound: number;
  /** The socket while it is corked by the batcher, else null. */
  corked: Corkable | null;
}

/**
 * Flushes a corked socket early once this much is waiting, so a long burst neither holds a large
 * buffer nor counts against the slow-consumer limit for the whole turn.
 */
const FLUSH_BYTES = 64 * 1024;

/**
 * How many turns the batcher stays busy after a burst, so a convoy of messages that splits
 * across turns (one read now, the rest a moment later) stays batched.
 */
const BUSY_ROUNDS = 16;

/**
 * Coalesces the writes that land on one socket within one turn of the event loop into a single
 * `writev`, adapting to load:
 *
 * - **Idle** (no socket got two frames in one turn lately): the first write of a turn goes out at
 *   once, so a lone message pays no delay; from the second write on, the socket is corked and
 *   everything queued is flushed in `setImmediate`, after the I/O callbacks of the turn.
 * - **Busy** (a socket got a second frame within the last {@link BUSY_ROUNDS} turns): every socket
 *   is corked from its first write, and the flush waits for one more non-blocking poll of the
 *   event loop, so publishes that arrived while the turn was fanning out join the batch. Each
 *   socket then gets one `writev` for all the messages in flight, rather than one system call
 *   per delivery; the delay is one pass of the event loop.
 *
 * Most of the server's busy time at high fan-out is in the write system call (see the profile in
 * bench/README.md), which is what this saves. NATS gets the same effect from a write loop per
 * client that flushes whatever accumulated while it was busy.
 */
export class WriteBatcher {
  #round = 1;
  #scheduled = false;
  /** The last round that may cork from the first write. */
  #busyUntil = 0;
  /** The flush of this round already let the event loop poll once. */
  #polled = false;
  #corked: Batched[] = [];
  readonly #flush = () => {
    if (!this.#polled && this.#round <= this.#busyUntil && this.#corked.length > 0) {
      this.#polled = true;
      setImmediate(this.#flush);
      return;
    }
    this.flush();
  };

  /** Call before writing to `conn`'s socket, whose batching side is `raw`. */
  beforeWrite(conn: Batched, raw: Corkable | undefined): void {
    if (conn.writeRound !== this.#round) {
      conn.writeRound = this.#round;
      if (this.#round <= this.#busyUntil && raw !== undefined) this.#cork(conn, raw);
      else this.#schedule();
      return;
    }
    this.#busyUntil = this.#round + BUSY_ROUNDS;
    if (raw === undefined) return;
    if (conn.corked !== null) {
      if (raw.writableLength < FLUSH_BYTES) return;
      raw.uncork();
      raw.cork();
      return;
    }
    this.#cork(conn, raw);
  }

  /** Whether the current turn corks from the first write. */
  get busy(): boolean {
    return this.#round <= this.#busyUntil;
  }

  /** Uncorks every socket corked in this round and starts a new round. */
  flush(): void {
    this.#scheduled = false;
    this.#polled = false;
    this.#round++;
    const corked = this.#corked;
    if (corked.length === 0) return;
    this.#corked = [];
    for (let i = 0; i < corked.length; i++) {
      const conn = corked[i]!;
      const raw = conn.corked;
      conn.corked = null;
      raw?.uncork();
    }
  }

  #cork(conn: Batched, raw: Corkable): void {
    raw.cork();
    conn.corked = raw;
    this.#corked.push(conn);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flush);
  }
}
