import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closedError, HubbubError } from '../src/errors.js';
import { encodePublish, MAX_RATE_RETRIES, Publishes } from '../src/publishes.js';
import type { QueueEntry } from '../src/send-queue.js';

/** Publishes whose frames go to lists instead of a socket; `sent` marks an entry as on the wire. */
function publishes(ackTimeoutMs = 1_000) {
  const queued: QueueEntry[] = [];
  const retried: QueueEntry[] = [];
  const p = new Publishes(
    ackTimeoutMs,
    (e) => queued.push(e),
    (e) => retried.push(e),
  );
  const add = (id: number, key: string) => {
    const settled = p._add(id, encodePublish(id, 't', id, key), key).then(
      (ack) => ack,
      (err: HubbubError) => err,
    );
    return settled;
  };
  const sent = (e: QueueEntry) => e.onSent?.();
  return { p, queued, retried, add, sent };
}

const rateLimited = () => new HubbubError('RATE_LIMITED', 'rate limit exceeded');

describe('Publishes', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it(`sends a publish refused with RATE_LIMITED again, same frame, up to ${MAX_RATE_RETRIES} times`, async () => {
    const { p, queued, retried, add, sent } = publishes();
    const result = add(1, 'k1');
    sent(queued[0]!);
    for (let i = 0; i < MAX_RATE_RETRIES; i++) {
      expect(p._refused(1, rateLimited())).toBe(true);
      sent(retried[i]!);
    }
    expect(retried).toHaveLength(MAX_RATE_RETRIES);
    expect(new Set(retried.map((e) => e.frame))).toEqual(new Set([queued[0]!.frame]));
    expect(p._size).toBe(1);
    expect(p._refused(1, rateLimited())).toBe(true);
    expect(await result).toMatchObject({ code: 'RATE_LIMITED' });
    expect(p._size).toBe(0);
  });

  it("the server's OUTCOME_UNKNOWN rejects with the publish's key", async () => {
    const { p, retried, add } = publishes();
    const result = add(1, 'order-18');
    expect(p._refused(1, new HubbubError('OUTCOME_UNKNOWN', 'broker link lost'))).toBe(true);
    expect(await result).toMatchObject({ code: 'OUTCOME_UNKNOWN', key: 'order-18' });
    expect(retried).toEqual([]);
  });

  it('any other refusal rejects at once', async () => {
    const { p, retried, add } = publishes();
    const result = add(1, 'k1');
    expect(p._refused(1, new HubbubError('FORBIDDEN', 'no'))).toBe(true);
    expect(await result).toMatchObject({ code: 'FORBIDDEN' });
    expect(retried).toEqual([]);
    expect(p._refused(1, rateLimited())).toBe(false);
  });

  it('no ack within ackTimeoutMs of being sent is OUTCOME_UNKNOWN with the key', async () => {
    const { queued, add, sent } = publishes(1_000);
    const result = add(1, 'order-17');
    let settled = false;
    result.then(() => {
      settled = true;
    });
    // The timer runs only once the frame is on the wire.
    await vi.advanceTimersByTimeAsync(5_000);
    sent(queued[0]!);
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toMatchObject({ code: 'OUTCOME_UNKNOWN', key: 'order-17' });
  });

  it('closing rejects a sent publish with OUTCOME_UNKNOWN caused by the close, an unsent one with the close', async () => {
    const { p, queued, add, sent } = publishes();
    const onWire = add(1, 'k1');
    const waiting = add(2, 'k2');
    sent(queued[0]!);
    p._rejectAll(closedError());
    const unknown = (await onWire) as HubbubError;
    expect(unknown).toMatchObject({ code: 'OUTCOME_UNKNOWN', key: 'k1' });
    expect(unknown.cause).toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(await waiting).toMatchObject({ code: 'CLIENT_CLOSED', key: undefined });
  });
});
