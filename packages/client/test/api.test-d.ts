import {
  type ClientState,
  createClient,
  type GapContext,
  type HubbubError,
  type HubbubErrorCode,
  type JoinContext,
  type MessageMeta,
  type PresenceMember,
  type PresenceStats,
  type PublishAck,
  type SubscriptionState,
} from '@hubbub/client';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types', () => {
  const client = createClient({ url: 'ws://127.0.0.1:1' });

  it('client state and events', () => {
    expectTypeOf(client.state).toEqualTypeOf<ClientState>();
    client.on('state', (ctx) => {
      expectTypeOf(ctx.from).toEqualTypeOf<ClientState>();
      expectTypeOf(ctx.code).toEqualTypeOf<number | undefined>();
    });
    client.on('error', (err) => {
      expectTypeOf(err).toEqualTypeOf<HubbubError>();
      expectTypeOf(err.code).toEqualTypeOf<HubbubErrorCode>();
    });
    client.on('close', (ctx) => expectTypeOf(ctx.wasClean).toEqualTypeOf<boolean>());
    // @ts-expect-error unknown event
    client.on('nope', () => {});
  });

  it('subscriptions and publishes', () => {
    const sub = client.subscribe('t', (data, meta) => {
      expectTypeOf(data).toBeUnknown();
      expectTypeOf(meta).toEqualTypeOf<MessageMeta>();
    });
    expectTypeOf(sub.state).toEqualTypeOf<SubscriptionState>();
    sub.on('gap', (gap) => expectTypeOf(gap).toEqualTypeOf<GapContext>());
    expectTypeOf(client.publish('t', new Uint8Array(1))).toEqualTypeOf<Promise<PublishAck>>();
    expectTypeOf(client.queue.length).toBeNumber();
    expectTypeOf<HubbubErrorCode>().toExtend<string>();
  });

  it('a subscription handle shows only its public members', () => {
    const sub = client.subscribe('t', () => {});
    expectTypeOf(sub.topic).toBeString();
    expectTypeOf(sub.unsubscribe).toEqualTypeOf<() => void>();
    // @ts-expect-error internal to the SDK
    sub._setState('subscribed');
    // @ts-expect-error internal to the SDK
    sub._notify('state', { from: 'subscribing', to: 'subscribed' });
    // @ts-expect-error internal to the SDK
    sub._deliver(1, {} as MessageMeta);
  });

  it('presence: members, counts, and join and leave events on the handle', () => {
    const sub = client.subscribe('room', () => {});
    expectTypeOf(sub.presence()).toEqualTypeOf<Promise<PresenceMember[]>>();
    expectTypeOf(sub.presenceStats()).toEqualTypeOf<Promise<PresenceStats>>();
    sub.on('join', (member) => {
      expectTypeOf(member).toEqualTypeOf<JoinContext>();
      expectTypeOf(member.replaces).toEqualTypeOf<string | undefined>();
      expectTypeOf(member.userId).toEqualTypeOf<string | undefined>();
    });
    sub.on('leave', (member) => expectTypeOf(member).toEqualTypeOf<PresenceMember>());
    sub.on('subscribed', (ctx) => expectTypeOf(ctx.presence).toBeBoolean());
  });

  it('an unknown outcome carries the idempotency key to publish again with', () => {
    expectTypeOf<HubbubError['key']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<'OUTCOME_UNKNOWN'>().toExtend<HubbubErrorCode>();
  });
});
