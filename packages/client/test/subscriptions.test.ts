import type { ClientMessage, DataMessage, SubscribedMessage } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';
import { HubbubError } from '../src/errors.js';
import type { GapContext, MessageMeta } from '../src/events.js';
import { Subscriptions } from '../src/subscriptions.js';

function registry(open = true) {
  const sent: ClientMessage[] = [];
  let id = 0;
  const subs = new Subscriptions({
    isOpen: () => open,
    nextId: () => ++id,
    subscribe: (m) => sent.push(m),
    unsubscribe: (i, topic) => sent.push({ type: 'unsub', id: i, topic }),
    guard: (fn) => fn(),
    presence: () => Promise.reject(new Error('no presence here')),
  });
  return { subs, sent };
}

const EPOCH = 'e1';
const subscribed = (
  id: number,
  offset: number,
  extra: Partial<SubscribedMessage> = {},
): SubscribedMessage => ({
  type: 'subscribed',
  id,
  topic: 't',
  position: { epoch: EPOCH, offset },
  recovered: false,
  replayed: 0,
  ...extra,
});
const msg = (offset: number, extra: Partial<DataMessage> = {}): DataMessage => ({
  type: 'msg',
  topic: 't',
  offset,
  epoch: EPOCH,
  data: offset,
  ...extra,
});

describe('Subscriptions', () => {
  it('resubscribes from the last message seen and drops what was already delivered', () => {
    const { subs } = registry();
    const got: MessageMeta[] = [];
    const sub = subs.add('t', (_d, meta) => got.push(meta));
    subs.onSubscribed(subscribed(1, 10));
    subs.onMessage(msg(11));
    subs.onMessage(msg(12));
    subs.disconnected();
    expect(sub.state).toBe('subscribing');

    const [again] = subs.resubscribe();
    expect(again).toEqual({ type: 'sub', id: 2, topic: 't', since: { epoch: EPOCH, offset: 12 } });
    let recovered = 0;
    sub.on('recovered', () => recovered++);
    subs.onSubscribed(subscribed(2, 14, { recovered: true, replayed: 2 }));
    subs.onMessage(msg(12, { replayed: true }));
    subs.onMessage(msg(13, { replayed: true }));
    subs.onMessage(msg(14, { replayed: true }));
    subs.onMessage(msg(14));
    subs.onMessage(msg(15));

    expect(got.map((m) => [m.offset, m.replayed])).toEqual([
      [11, false],
      [12, false],
      [13, true],
      [14, true],
      [15, false],
    ]);
    expect(recovered).toBe(1);
  });

  it('reports a gap with what is known and lets the partial replay through', () => {
    const { subs } = registry();
    const got: number[] = [];
    const sub = subs.add('t', (_d, meta) => got.push(meta.offset));
    subs.onSubscribed(subscribed(1, 5));
    subs.onMessage(msg(6));
    subs.disconnected();
    subs.resubscribe();
    const gaps: GapContext[] = [];
    sub.on('gap', (g) => gaps.push(g));
    subs.onSubscribed(subscribed(2, 30, { replayed: 3 }));
    for (const o of [28, 29, 30]) subs.onMessage(msg(o, { replayed: true }));

    expect(gaps).toEqual([
      { topic: 't', from: 7, to: 27, epochChanged: false, position: { epoch: EPOCH, offset: 30 } },
    ]);
    expect(got).toEqual([6, 28, 29, 30]);
  });

  it('a new epoch is a gap without an upper bound, and offsets start over', () => {
    const { subs } = registry();
    const got: number[] = [];
    const sub = subs.add('t', (_d, meta) => got.push(meta.offset));
    subs.onSubscribed(subscribed(1, 100));
    subs.onMessage(msg(101));
    subs.disconnected();
    subs.resubscribe();
    const gaps: GapContext[] = [];
    sub.on('gap', (g) => gaps.push(g));
    subs.onSubscribed({ ...subscribed(2, 0), position: { epoch: 'e2', offset: 0 } });
    subs.onMessage(msg(1, { epoch: 'e2' }));

    expect(gaps).toEqual([
      { topic: 't', from: 102, epochChanged: true, position: { epoch: 'e2', offset: 0 } },
    ]);
    expect(got).toEqual([101, 1]);
  });

  it('reports a gap when the live stream skips offsets or changes epoch, and still delivers', () => {
    const { subs } = registry();
    const got: number[] = [];
    const sub = subs.add('t', (_d, meta) => got.push(meta.offset));
    const gaps: GapContext[] = [];
    sub.on('gap', (g) => gaps.push(g));
    subs.onSubscribed(subscribed(1, 0));
    subs.onMessage(msg(1));
    subs.onMessage(msg(4));
    subs.onMessage(msg(1, { epoch: 'e2' }));

    expect(got).toEqual([1, 4, 1]);
    expect(gaps).toEqual([
      { topic: 't', from: 2, to: 3, epochChanged: false, position: { epoch: EPOCH, offset: 3 } },
      { topic: 't', from: 5, epochChanged: true, position: { epoch: 'e2', offset: 0 } },
    ]);
  });

  it('shares one wire subscription per topic; the last handle out sends unsub', async () => {
    const { subs, sent } = registry();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const subA = subs.add('t', (d) => a.push(d));
    subs.onSubscribed(subscribed(1, 0));
    const subB = subs.add('t', (d) => b.push(d));
    await Promise.resolve();
    expect(subB.state).toBe('subscribed');
    subs.onMessage(msg(1));
    subA.unsubscribe();
    subs.onMessage(msg(2));
    expect(sent.map((m) => m.type)).toEqual(['sub']);
    subB.unsubscribe();

    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
    expect(sent.map((m) => m.type)).toEqual(['sub', 'unsub']);
  });

  it('a sub refused for the rate goes out again and the handle never sees the refusal', () => {
    const { subs, sent } = registry();
    const sub = subs.add('t', () => {});
    const events: string[] = [];
    sub.on('error', (err) => events.push(`error ${err.code}`));
    sub.on('state', ({ to }) => events.push(to));
    expect(subs.onError(1, new HubbubError('RATE_LIMITED', 'rate limit exceeded'))).toBe(true);
    expect(sent).toEqual([
      { type: 'sub', id: 1, topic: 't' },
      { type: 'sub', id: 2, topic: 't' },
    ]);
    subs.onSubscribed(subscribed(2, 0));
    expect(sub.state).toBe('subscribed');
    // Any other refusal still ends the handle.
    const other = subs.add('u', () => {});
    expect(subs.onError(3, new HubbubError('FORBIDDEN', 'no'))).toBe(true);
    expect(other.state).toBe('unsubscribed');
    expect(events).toEqual(['subscribed']);
  });

  it('an unsub refused for the rate goes out again, unless the topic was subscribed again meanwhile', () => {
    const { subs, sent } = registry();
    subs.add('t', () => {}).unsubscribe();
    expect(sent.at(-1)).toEqual({ type: 'unsub', id: 2, topic: 't' });
    expect(subs.onError(2, new HubbubError('RATE_LIMITED', 'rate limit exceeded'))).toBe(true);
    expect(sent.at(-1)).toEqual({ type: 'unsub', id: 3, topic: 't' });
    subs.onUnsubscribed({ type: 'unsubscribed', id: 3, topic: 't' });
    // Answered: a late refusal of the same id is no longer ours.
    expect(subs.onError(3, new HubbubError('RATE_LIMITED', 'rate limit exceeded'))).toBe(false);

    subs.add('u', () => {}).unsubscribe();
    const back = subs.add('u', () => {});
    const before = sent.length;
    expect(subs.onError(5, new HubbubError('RATE_LIMITED', 'rate limit exceeded'))).toBe(true);
    expect(sent).toHaveLength(before);
    expect(back.state).toBe('subscribing');
    // Any other refusal of an unsub is the caller's to report.
    back.unsubscribe();
    expect(subs.onError(7, new HubbubError('NOT_SUBSCRIBED', 'no'))).toBe(false);
  });

  it('offline subscribe waits for the batch; a handle that throws does not stop the others', () => {
    const errors: unknown[] = [];
    let id = 0;
    const subs = new Subscriptions({
      isOpen: () => false,
      nextId: () => ++id,
      subscribe: () => {
        throw new Error('not while offline');
      },
      unsubscribe: () => {},
      presence: () => Promise.reject(new Error('no presence here')),
      guard: (fn) => {
        try {
          fn();
        } catch (err) {
          errors.push(err);
        }
      },
    });
    const got: unknown[] = [];
    subs.add('t', () => {
      throw new Error('app bug');
    });
    subs.add('t', (d) => got.push(d));
    expect(subs.resubscribe()).toEqual([{ type: 'sub', id: 1, topic: 't' }]);
    subs.onSubscribed(subscribed(1, 0));
    subs.onMessage(msg(1));
    expect(got).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});
