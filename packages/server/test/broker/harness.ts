import type { Broker, BrokerMessage, HistoryOptions } from '../../src/broker/broker.js';

/** A started broker and what it handed to its context. */
export interface Started {
  readonly broker: Broker;
  readonly delivered: BrokerMessage[];
  readonly ready: boolean[];
}

/** Starts `broker` with a context that records deliveries and readiness changes. */
export async function startBroker(
  broker: Broker,
  history: HistoryOptions = { size: 100, ttlMs: 60_000 },
  idempotencyTtlMs = 60_000,
): Promise<Started> {
  const delivered: BrokerMessage[] = [];
  const ready: boolean[] = [];
  await broker.start({
    history,
    idempotencyTtlMs,
    deliver: (message) => delivered.push(message),
    readyChanged: (value) => ready.push(value),
  });
  return { broker, delivered, ready };
}

/** Resolves after `ms`; only for waiting past a deadline, never before asserting that something happened. */
export function pastDeadline(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Offsets of delivered messages of one topic. */
export function offsetsOf(messages: readonly BrokerMessage[], topic: string): number[] {
  return messages.filter((m) => m.topic === topic).map((m) => m.offset);
}

let counter = 0;
/** A topic name no other test uses. */
export function uniqueTopic(label = 't'): string {
  counter++;
  return `${label}.${process.pid}.${Date.now().toString(36)}.${counter}`;
}
