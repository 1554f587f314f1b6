import { isValidTopic, MAX_LAST, topicProblem } from '@hubbub/protocol';
import type { Broker } from './broker/broker.js';
import { checkKnownKeys } from './options.js';

/** Options of `hub.history()`. */
export interface HistoryReadOptions {
  /**
   * Return the messages after this offset (oldest first), for paging forward; without it, the
   * latest `limit` messages.
   * @default undefined
   */
  readonly since?: number;
  /**
   * Most messages returned (up to 10,000).
   * @default 100
   */
  readonly limit?: number;
}

/** One message of a topic's history. */
export interface HistoryEntry {
  readonly offset: number;
  /** A JSON value, or bytes (`Uint8Array`). */
  readonly data: unknown;
}

/** What `hub.history()` resolves with. */
export interface HistoryPage {
  /** The topic's current epoch: compare it with the one you hold to tell history was lost. */
  readonly epoch: string;
  /** Offset of the latest message published on the topic (0 when none). */
  readonly offset: number;
  /** Offset of the oldest message still kept (`offset + 1` when none is). */
  readonly firstOffset: number;
  /** The messages, in offset order. */
  readonly messages: readonly HistoryEntry[];
}

const DEFAULT_LIMIT = 100;

function checkInt(name: string, value: unknown, min: number, max: number): void {
  if (
    value !== undefined &&
    (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
  ) {
    throw new TypeError(`hub.history(): ${name} must be an integer from ${min} to ${max}`);
  }
}

/** Reads a page of a topic's history from the broker (on Redis: the cluster's shared history). */
export async function readHistory(
  broker: Broker,
  topic: string,
  options: HistoryReadOptions = {},
): Promise<HistoryPage> {
  if (!isValidTopic(topic)) throw new TypeError(`hub.history(): ${topicProblem(topic)}`);
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('hub.history(): options must be an object { since, limit }');
  }
  checkKnownKeys('hub.history() options', options, ['since', 'limit']);
  checkInt('since', options.since, 0, Number.MAX_SAFE_INTEGER);
  checkInt('limit', options.limit, 1, MAX_LAST);
  const limit = options.limit ?? DEFAULT_LIMIT;
  const since = options.since;
  const read = await broker.read(topic, since === undefined ? { last: limit } : { after: since });
  const messages = read.messages.slice(0, limit).map((m) => ({ offset: m.offset, data: m.data }));
  return { epoch: read.epoch, offset: read.offset, firstOffset: read.firstOffset, messages };
}
