import { reconnectAdvice } from '@hubbub/protocol';
import type { Broker, PresenceMember } from '../broker/broker.js';

/** Which topics have presence: every topic, none, or those a function picks. */
export type PresenceSetting = boolean | ((topic: string) => boolean);

/** What presence needs of a connection. */
export interface PresenceConnection {
  readonly sid: string;
  readonly userId: string | undefined;
  readonly info: unknown;
  /** Client instance id from `connect`: a reconnecting client's new member replaces its old one. */
  readonly client: string | undefined;
}

/** What the tracker needs of the hub. */
export interface PresenceHost {
  readonly broker: Broker;
  reportError(err: unknown): void;
}

interface Grace {
  readonly topic: string;
  readonly sid: string;
  readonly at: number;
}

/**
 * Whether a connection that closed with `code` stays a member for the grace period: when its
 * client will come back on its own (lost link, kick, slow consumer, the server shutting down),
 * so that a reconnect within the grace shows as one `join` with `replaces` and no `leave`. A
 * close the client meant (1000, or 1001 from a browser leaving the page) or a final one (revoke,
 * forbidden) leaves at once.
 */
export function keepsPresence(code: number, draining: boolean): boolean {
  if (code === 1001) return draining;
  return code !== 1000 && reconnectAdvice(code).reconnect;
}

/** The member a connection shows to others. */
export function memberOf(conn: PresenceConnection): PresenceMember {
  const { sid, userId, info } = conn;
  return { sid, ...(userId !== undefined && { userId }), ...(info !== undefined && { info }) };
}

/**
 * This hub's side of presence: which local connections are members of which topics, and the
 * members whose connection ended but that stay for the grace period (one timer for all of them,
 * due at the oldest). The broker holds the members of every instance and sends join and leave.
 */
export class PresenceTracker {
  readonly #enabled: (topic: string) => boolean;
  /** Sid -> presence topics the connection is a member of. */
  readonly #joined = new Map<string, Set<string>>();
  /** Members kept for the grace period, oldest first (the grace is the same for all). */
  readonly #grace: Grace[] = [];
  #timer: NodeJS.Timeout | undefined;
  #draining = false;

  constructor(
    private readonly host: PresenceHost,
    setting: PresenceSetting,
    private readonly graceMs: number,
  ) {
    this.#enabled = typeof setting === 'function' ? setting : () => setting;
  }

  /** Whether `topic` has presence. A throwing setting counts as no, and is reported. */
  enabled(topic: string): boolean {
    try {
      return this.#enabled(topic) === true;
    } catch (err) {
      this.host.reportError(err);
      return false;
    }
  }

  /** `conn` got its `subscribed` for a presence topic: it becomes a member. */
  async join(conn: PresenceConnection, topic: string): Promise<void> {
    let topics = this.#joined.get(conn.sid);
    if (!topics) {
      topics = new Set();
      this.#joined.set(conn.sid, topics);
    }
    if (topics.has(topic)) return;
    topics.add(topic);
    try {
      await this.host.broker.join?.(topic, { member: memberOf(conn), client: conn.client });
    } catch (err) {
      // The subscription stands; only its presence is missing (the broker closed meanwhile).
      this.host.reportError(err);
    }
  }

  /** `conn` unsubscribed from `topic`: it leaves now. */
  leave(sid: string, topic: string): void {
    const topics = this.#joined.get(sid);
    if (!topics?.delete(topic)) return;
    if (topics.size === 0) this.#joined.delete(sid);
    this.#leave(topic, sid);
  }

  /** `conn`'s socket closed with `code`: it leaves now, or after the grace period. */
  ended(sid: string, code: number, now = Date.now()): void {
    const topics = this.#joined.get(sid);
    if (!topics) return;
    this.#joined.delete(sid);
    const keep = this.graceMs > 0 && keepsPresence(code, this.#draining);
    for (const topic of topics) {
      if (!keep) this.#leave(topic, sid);
      else this.#grace.push({ topic, sid, at: now + this.graceMs });
    }
    if (keep) this.#schedule();
  }

  /** The hub is shutting down: its clients will reconnect elsewhere, so their 1001 keeps them. */
  drain(): void {
    this.#draining = true;
  }

  /**
   * Stops the grace timer. Members still in their grace stay with the broker: the Redis broker's
   * other instances remove them past its member ttl unless their clients came back.
   */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #leave(topic: string, sid: string): void {
    this.host.broker.leave?.(topic, sid).catch((err) => this.host.reportError(err));
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#grace.length === 0) return;
    const wait = Math.max(0, (this.#grace[0] as Grace).at - Date.now());
    this.#timer = setTimeout(() => this.#expire(), wait);
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    while (this.#grace.length > 0 && (this.#grace[0] as Grace).at <= now) {
      const { topic, sid } = this.#grace.shift() as Grace;
      this.#leave(topic, sid);
    }
    this.#schedule();
  }
}
