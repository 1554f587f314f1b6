import type { PresenceMessage } from '@hubbub/protocol';
import type { HubbubError } from './errors.js';

/** Counts of a presence-enabled topic, on every instance. */
export interface PresenceStats {
  /** Members: one per subscribed connection (a user with three tabs counts three). */
  readonly connections: number;
  /** Distinct users among them; an anonymous client instance counts as one. */
  readonly users: number;
}

interface Waiting {
  readonly _resolve: (answer: PresenceMessage) => void;
  readonly _reject: (err: HubbubError) => void;
}

/** Presence requests waiting for their answer, by request id. */
export class PresenceRequests {
  readonly #waiting = new Map<number, Waiting>();

  /** Resolves with the answer to request `id`. */
  _add(id: number): Promise<PresenceMessage> {
    return new Promise((_resolve, _reject) => this.#waiting.set(id, { _resolve, _reject }));
  }

  _answer(answer: PresenceMessage): void {
    this.#waiting.get(answer.id)?._resolve(answer);
    this.#waiting.delete(answer.id);
  }

  /** A refused request; false when `id` is not a presence request's. */
  _fail(id: number, err: HubbubError): boolean {
    const waiting = this.#waiting.get(id);
    this.#waiting.delete(id);
    waiting?._reject(err);
    return !!waiting;
  }

  /** The link ended: no answer will come. */
  _rejectAll(err: HubbubError): void {
    for (const waiting of this.#waiting.values()) waiting._reject(err);
    this.#waiting.clear();
  }
}
