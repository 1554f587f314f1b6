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
 * `writev`. The first write of a turn goes out at once (a lone message pays no delay, which keeps
 * latency where windowed publishers see it); from the second write on, the socket is corked and
 * everything queued is flushed in `setImmediate`, after the I/O callbacks of the turn. Under a
 * publish burst this turns one system call per delivery into one per socket per turn, which is
 * where the server's time goes at high fan-out (most of its busy time is in the write system
 * call: see the profile in bench/README.md). Engine.IO gets a similar effect by waiting for each write to complete.
 */
export class WriteBatcher {
  #round = 1;
  #scheduled = false;
  #corked: Batched[] = [];
  readonly #flush = () => this.flush();

  /** Call before writing to `conn`'s socket `raw` (ws's underlying `net.Socket`). */
  beforeWrite(conn: Batched, raw: Writable | undefined): void {
    if (conn.writeRound !== this.#round) {
      conn.writeRound = this.#round;
      this.#schedule();
      return;
    }
    if (raw === undefined) return;
    if (conn.corked !== null) {
      if (raw.writableLength < FLUSH_BYTES) return;
      raw.uncork();
      raw.cork();
      return;
    }
    raw.cork();
    conn.corked = raw;
    this.#corked.push(conn);
    this.#schedule();
  }

  /** Uncorks every socket corked in this round and starts a new round. */
  flush(): void {
    this.#scheduled = false;
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

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flush);
  }
}
