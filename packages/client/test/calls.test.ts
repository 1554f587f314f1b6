import { decodeClientMessage, type EncodedFrame, RpcError } from '@hubbub/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Calls, encodeCall } from '../src/calls.js';
import { HubbubError } from '../src/errors.js';
import { MAX_RATE_RETRIES } from '../src/publishes.js';
import { SendQueue } from '../src/send-queue.js';

/** Stands in for a socket: records what the queue hands it. */
class Sink {
  sent: EncodedFrame[] = [];
  bufferedAmount = 0;
  send(frame: EncodedFrame): void {
    this.sent.push(frame);
  }
}

/** A queue and the calls feeding it, as the client wires them. */
function setup() {
  const queue = new SendQueue(1 << 20);
  const calls = new Calls(
    (entry) => queue.push(entry),
    (entry) => queue.retry(entry),
  );
  const settled: { id: number; value?: unknown; error?: Error }[] = [];
  const add = (id: number, method: string, data: unknown, timeoutMs = 1_000) =>
    calls._add(id, encodeCall(id, method, data), timeoutMs).then(
      (value) => settled.push({ id, value }),
      (error: Error) => settled.push({ id, error }),
    );
  const ids = (sink: Sink) => sink.sent.map((f) => (decodeClientMessage(f) as { id: number }).id);
  return { queue, calls, settled, add, ids };
}

describe('#encodeCall', () => {
  it('builds a call frame, binary for bytes', () => {
    expect(decodeClientMessage(encodeCall(1, 'room.rename', { name: 'x' }))).toEqual({
      type: 'call',
      id: 1,
      method: 'room.rename',
      data: { name: 'x' },
    });
    expect(encodeCall(2, 'files.thumb', new Uint8Array([1, 2]))).toBeInstanceOf(Uint8Array);
    expect(decodeClientMessage(encodeCall(3, 'room.list', undefined))).toEqual({
      type: 'call',
      id: 3,
      method: 'room.list',
    });
  });

  it.each([
    ['a method outside the grammar', () => encodeCall(1, 'room rename', 1), 'BAD_REQUEST'],
    ['an empty method', () => encodeCall(1, '', 1), 'BAD_REQUEST'],
    ['data JSON cannot hold', () => encodeCall(1, 'm', { n: 1n }), 'BAD_REQUEST'],
    ['a frame over the limit', () => encodeCall(1, 'm', 'x'.repeat(100), 64), 'TOO_BIG'],
  ])('refuses %s before sending', (_name, encode, code) => {
    expect(encode).toThrow(HubbubError);
    expect(encode).toThrow(expect.objectContaining({ code }));
  });
});

describe('Calls', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the data of the result, rejects with the RpcError of a failed one', async () => {
    const { queue, calls, settled, add } = setup();
    add(1, 'a', 1);
    add(2, 'b', 2);
    add(3, 'c', 3);
    queue.attach(new Sink(), 0, 1);
    calls._result({ type: 'result', id: 2, error: { code: 'TAKEN', message: 'name taken', data: { n: 1 } } });
    calls._result({ type: 'result', id: 1, data: new Uint8Array([7]) });
    calls._result({ type: 'result', id: 3 });
    await vi.runAllTimersAsync();
    expect(settled.map((s) => s.id)).toEqual([2, 1, 3]);
    const err = settled[0]!.error as RpcError;
    expect(err).toBeInstanceOf(RpcError);
    expect([err.code, err.message, err.data]).toEqual(['TAKEN', 'name taken', { n: 1 }]);
    expect(settled[1]!.value).toEqual(new Uint8Array([7]));
    expect(settled[2]).toEqual({ id: 3, value: undefined });
    expect(calls._size).toBe(0);
  });

  it('ignores a result for a call it does not hold (one that timed out)', async () => {
    const { queue, calls, settled, add } = setup();
    add(1, 'slow', null, 100);
    queue.attach(new Sink(), 0, 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls._result({ type: 'result', id: 1, data: 'late' })).toBe(false);
    await vi.runAllTimersAsync();
    expect(settled).toHaveLength(1);
    expect((settled[0]!.error as HubbubError).code).toBe('TIMEOUT');
    expect(settled[0]!.error!.message).toContain('may have run');
  });

  it('drops a call that timed out before it was sent: it never reaches the socket', async () => {
    const { queue, settled, add, ids } = setup();
    add(1, 'a', 1, 100);
    add(2, 'b', 2, 10_000);
    await vi.advanceTimersByTimeAsync(100);
    const sink = new Sink();
    queue.attach(sink, 0, 1);
    expect(ids(sink)).toEqual([2]);
    expect((settled[0]!.error as HubbubError).code).toBe('TIMEOUT');
    expect(settled[0]!.error!.message).toBe('not sent within 100 ms');
  });

  it('on link loss rejects the sent calls with OUTCOME_UNKNOWN and sends the others on the next link', async () => {
    const { queue, calls, settled, add, ids } = setup();
    const first = new Sink();
    queue.attach(first, 0, 1);
    add(1, 'a', 1);
    add(2, 'b', 2);
    queue.detach();
    add(3, 'c', 3);
    // The client's order on a lost link: detach, reject what was sent, requeue the rest.
    calls._linkLost();
    queue.clear();
    calls._requeue();
    const second = new Sink();
    queue.attach(second, 0, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(ids(first)).toEqual([1, 2]);
    expect(ids(second)).toEqual([3]);
    expect(settled.map((s) => [s.id, (s.error as HubbubError).code])).toEqual([
      [1, 'OUTCOME_UNKNOWN'],
      [2, 'OUTCOME_UNKNOWN'],
    ]);
    expect(calls._size).toBe(1);
  });

  it('rejects a waiting call larger than the limit the server announces on connect', async () => {
    const { calls, settled, add } = setup();
    add(1, 'a', 'x'.repeat(200));
    add(2, 'b', 'small');
    calls._requeue(128);
    await vi.advanceTimersByTimeAsync(0);
    expect(settled.map((s) => [s.id, (s.error as HubbubError).code])).toEqual([[1, 'TOO_BIG']]);
    expect(calls._size).toBe(1);
  });

  it('sends a call refused with RATE_LIMITED again, up to MAX_RATE_RETRIES times, then rejects', async () => {
    const { queue, calls, settled, add, ids } = setup();
    const sink = new Sink();
    queue.attach(sink, 0, 1);
    add(1, 'a', 1);
    const limited = new HubbubError('RATE_LIMITED', 'rate limit exceeded');
    for (let i = 0; i < MAX_RATE_RETRIES; i++) expect(calls._refused(1, limited)).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(ids(sink)).toEqual(Array(MAX_RATE_RETRIES + 1).fill(1));
    expect(settled).toEqual([]);
    calls._refused(1, limited);
    await vi.advanceTimersByTimeAsync(0);
    expect((settled[0]!.error as HubbubError).code).toBe('RATE_LIMITED');
    // Any other refusal rejects at once.
    add(2, 'b', 2);
    calls._refused(2, new HubbubError('UNKNOWN_METHOD', 'no handler'));
    await vi.advanceTimersByTimeAsync(0);
    expect((settled[1]!.error as HubbubError).code).toBe('UNKNOWN_METHOD');
  });

  it("does not call a refused call's outcome unknown when the link ends before it is sent again", async () => {
    const { queue, calls, settled, add, ids } = setup();
    const first = new Sink();
    queue.attach(first, 0, 1);
    add(1, 'a', 1);
    queue.detach();
    calls._refused(1, new HubbubError('RATE_LIMITED', 'rate limit exceeded'));
    calls._linkLost();
    queue.clear();
    calls._requeue();
    const second = new Sink();
    queue.attach(second, 0, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual([]);
    expect(ids(second)).toEqual([1]);
  });

  it('arms no timer for timeoutMs Infinity: the call waits as long as it takes', async () => {
    const { queue, calls, settled, add } = setup();
    add(1, 'a', 1, Infinity);
    queue.attach(new Sink(), 0, 1);
    await vi.advanceTimersByTimeAsync(30 * 24 * 3600_000);
    expect(settled).toEqual([]);
    calls._result({ type: 'result', id: 1, data: 'late but fine' });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual([{ id: 1, value: 'late but fine' }]);
  });

  it('rejects everything on close', async () => {
    const { calls, settled, add } = setup();
    add(1, 'a', 1);
    add(2, 'b', 2);
    calls._rejectAll(new HubbubError('CLIENT_CLOSED', 'the client is closed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled.map((s) => (s.error as HubbubError).code)).toEqual(['CLIENT_CLOSED', 'CLIENT_CLOSED']);
  });
});
