import {
  type ClientState,
  createClient,
  type GapContext,
  type HubbubError,
  type MessageMeta,
  type PresenceMember,
  type PublishAck,
  type SubscribedContext,
  type SubscriptionState,
} from '@hubbub/client';
import {
  HubbubProvider,
  useCall,
  useClient,
  useClientState,
  usePresence,
  usePublish,
  useSubscription,
} from '@hubbub/react';
import { createElement } from 'react';
import { describe, expectTypeOf, it } from 'vitest';

interface Methods {
  add: (data: { a: number; b: number }) => number;
  ping: () => 'pong';
}

interface Line {
  text: string;
}

describe('public types of @hubbub/react', () => {
  it('the provider takes options or a client, typed by its method map or not', () => {
    createElement(HubbubProvider, { options: { url: 'ws://127.0.0.1:1' } });
    createElement(HubbubProvider, { client: createClient<Methods>({ url: 'ws://127.0.0.1:1' }) });
    // @ts-expect-error options and a client are exclusive
    createElement(HubbubProvider, { options: { url: 'ws://x' }, client: createClient({ url: 'ws://x' }) });
  });

  it('hooks return what the client has', () => {
    expectTypeOf(useClientState).returns.toEqualTypeOf<ClientState>();
    expectTypeOf(usePublish()).returns.toEqualTypeOf<Promise<PublishAck>>();
    expectTypeOf(useClient()?.reconnectNow).toEqualTypeOf<(() => boolean) | undefined>();

    const view = useSubscription<Line>('t', {
      last: 10,
      keep: 5,
      onMessage: (data) => expectTypeOf(data).toEqualTypeOf<Line>(),
    });
    expectTypeOf(view.messages[0]!.data).toEqualTypeOf<Line>();
    expectTypeOf(view.messages[0]!.meta).toEqualTypeOf<MessageMeta>();
    expectTypeOf(view.state).toEqualTypeOf<SubscriptionState>();
    expectTypeOf(view.gap).toEqualTypeOf<GapContext | undefined>();
    expectTypeOf(view.recovered).toEqualTypeOf<SubscribedContext | undefined>();
    expectTypeOf(view.error).toEqualTypeOf<HubbubError | undefined>();
    useSubscription(null);

    const presence = usePresence('t');
    expectTypeOf(presence.members).toEqualTypeOf<readonly PresenceMember[]>();
    expectTypeOf(presence.status).toEqualTypeOf<'idle' | 'loading' | 'ready' | 'off' | 'error'>();
  });

  it('useCall is typed by the method map', () => {
    const call = useCall<Methods>();
    expectTypeOf(call('add', { a: 1, b: 2 })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(call('ping')).toEqualTypeOf<Promise<'pong'>>();
    // @ts-expect-error wrong data
    call('add', { a: '1', b: 2 });
    // @ts-expect-error unknown method
    call('nope');
    expectTypeOf(useCall()('anything', { x: 1 })).toEqualTypeOf<Promise<unknown>>();
  });
});
