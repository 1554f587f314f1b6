import type { BrokerMessage, HistoryQuery, HistoryRead } from '../broker.js';

/** What a {@link TopicFeed} needs from its broker. */
export interface FeedSource {
  read(topic: string, query: HistoryQuery): Promise<HistoryRead>;
  deliver(message: BrokerMessage): void;
  /** A repair read failed; the feed waits for {@link TopicFeed.resync}. */
  onError(err: unknown): void;
  /** A repair finished, having delivered `messages` from history. */
  repaired?(topic: string, messages: number): void;
}

/**
 * Turns a listened topic's channel messages into a gap-free, in-order delivery. It remembers the
 * last delivered offset; a message further ahead (a pub/sub message was lost, or the subscriber
 * connection was cut) makes it read the missing range from history and deliver that first. What
 * history no longer holds is skipped, so delivery goes on in order. A new epoch (Redis lost its
 * data) is delivered from the start of the new epoch's history, which tells the hub of the loss.
 */
export class TopicFeed {
  private epoch: string | undefined;
  private last = 0;
  private queue: BrokerMessage[] = [];
  private busy = false;
  private stalled = true;
  private again = false;
  private closed = false;

  constructor(
    readonly topic: string,
    private readonly source: FeedSource,
  ) {}

  /**
   * Takes the topic's current offset as the starting point; later messages are delivered. Call it
   * once the channel subscription is confirmed, so no later message can be missed.
   */
  async start(): Promise<void> {
    this.busy = true;
    try {
      await this.fill(true);
      this.stalled = false;
    } finally {
      this.busy = false;
    }
    if (this.again) void this.repair();
    else this.drain();
  }

  /** Takes a message from the channel. */
  receive(message: BrokerMessage): void {
    if (this.closed) return;
    this.queue.push(message);
    if (!this.busy && !this.stalled) this.drain();
  }

  /** Catches up from history, e.g. after the subscriber connection came back. */
  resync(): void {
    if (this.closed || this.epoch === undefined) return;
    this.stalled = false;
    if (this.busy) this.again = true;
    else void this.repair();
  }

  /** Stops delivering. */
  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private drain(): void {
    while (!this.closed && this.queue.length > 0) {
      const next = this.queue[0] as BrokerMessage;
      if (next.epoch === this.epoch && next.offset <= this.last) {
        this.queue.shift();
      } else if (next.epoch === this.epoch && next.offset === this.last + 1) {
        this.queue.shift();
        this.last = next.offset;
        this.source.deliver(next);
      } else {
        void this.repair();
        return;
      }
    }
  }

  private async repair(): Promise<void> {
    this.busy = true;
    let messages = 0;
    try {
      do {
        this.again = false;
        messages += await this.fill(false);
      } while (this.again && !this.closed);
      this.source.repaired?.(this.topic, messages);
    } catch (err) {
      this.stalled = true;
      this.source.onError(err);
    } finally {
      this.busy = false;
    }
    if (!this.stalled) this.drain();
  }

  /** Reads history and delivers what it holds past the last offset; returns how many it delivered. */
  private async fill(baselineOnly: boolean): Promise<number> {
    const seen = this.queue.length;
    let read = await this.source.read(this.topic, baselineOnly ? { last: 0 } : { after: this.last });
    if (!baselineOnly && read.epoch !== this.epoch && this.last > 0) {
      read = await this.source.read(this.topic, { after: 0 });
    }
    if (this.closed) return 0;
    if (read.epoch !== this.epoch) {
      this.epoch = read.epoch;
      this.last = baselineOnly ? read.offset : 0;
    }
    const delivered = baselineOnly ? 0 : this.deliverRange(read);
    this.last = Math.max(this.last, read.offset);
    this.queue = this.queue.filter((m, i) => (m.epoch === read.epoch ? m.offset > this.last : i >= seen));
    return delivered;
  }

  /** Delivers, in order, what history and the queue hold up to the read's offset. */
  private deliverRange(read: HistoryRead): number {
    const byOffset = new Map<number, BrokerMessage>();
    for (const m of read.messages) if (m.offset > this.last) byOffset.set(m.offset, m);
    for (const m of this.queue) {
      if (
        m.epoch === read.epoch &&
        m.offset > this.last &&
        m.offset <= read.offset &&
        !byOffset.has(m.offset)
      ) {
        byOffset.set(m.offset, m);
      }
    }
    const ordered = [...byOffset.values()].sort((a, b) => a.offset - b.offset);
    let delivered = 0;
    for (const m of ordered) {
      if (this.closed) break;
      this.last = m.offset;
      this.source.deliver(m);
      delivered++;
    }
    return delivered;
  }
}
