import type { Writable } from 'node:stream';

/** What a connection keeps for write batching. */
export interface Batched {
  /** Round of the batcher in which this socket was last written to. */
  writeRound: number;
  /** The raw socket while it is corked by the batcher, else null. */
  corked: Writable | null;
}

/**
 * Flushes a corked socket early once this much is waiting, so a long burst neither holds a large
 * buffer nor counts against the slow-consumer limit for the whole turn.
 */
const FLUSH_BYTES = 64 * 1024;

/**
 * Coalesces the writes that land on one socket within one turn of the event loop into a single
 * `writev`, adapting to load:
 *
 * - **Idle** (the last turn wrote at most one frame to each socket): the first write of a turn goes
 *   out at once, so a lone message pays no delay; from the second write on, the socket is corked
 *   and everything queued is flushed in `setImmediate`, after the I/O callbacks of the turn.
 * - **Busy** (some socket got a second frame in the last turn): every socket is corked from its
 *   first write. The publishes that arrived while the previous turn was writing are fanned out
 *   together and each socket gets one `writev` for all of them, so a few messages in flight cost
 *   one system call per socket rather than one per delivery. The first turn that again writes at
 *   most one frame per socket switches back to idle.
 *
 * Most of the server's busy time at high fan-out is in the write system call (see the profile in
 * bench/README.md), which is what this saves. NATS gets the same effect from a write loop per
 * client that flushes whatever accumulated while it was busy.
 */
export class WriteBatcher {
  #round = 1;
  #scheduled = false;
  /** Cork from the first write of a turn (the last turn saw a burst). */
  #busy = false;
  /** A socket got a second write in this turn. */
  #burst = false;
  #corked: Batched[] = [];
  readonly #flush = () => this.flush();

  /** Call before writing to `conn`'s socket `raw` (ws's underlying `net.Socket`). */
  beforeWrite(conn: Batched, raw: Writable | undefined): void {
    if (conn.writeRound !== this.#round) {
      conn.writeRound = this.#round;
      if (this.#busy && raw !== undefined) this.#cork(conn, raw);
      else this.#schedule();
      return;
    }
    this.#burst = true;
    if (raw === undefined) return;
    if (conn.corked !== null) {
      if (raw.writableLength < FLUSH_BYTES) return;
      raw.uncork();
      raw.cork();
      return;
    }
    this.#cork(conn, raw);
  }

  /** Whether the next turn corks from the first write (for tests and metrics). */
  get busy(): boolean {
    return this.#busy;
  }

  /** Uncorks every socket corked in this round and starts a new round. */
  flush(): void {
    this.#scheduled = false;
    this.#round++;
    this.#busy = this.#burst;
    this.#burst = false;
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

  #cork(conn: Batched, raw: Writable): void {
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
