import type { ClientMessage, ClientMessageOf, ServerMessage, ServerMessageOf } from '@hubbub/protocol';
import { CloseCode, decodeClientMessage } from '@hubbub/protocol';
import { describe, expectTypeOf, it } from 'vitest';

describe('message types', () => {
  it('splits the unions by direction', () => {
    expectTypeOf<ClientMessage['type']>().toEqualTypeOf<
      'connect' | 'sub' | 'unsub' | 'pub' | 'refresh' | 'call' | 'presence' | 'ping' | 'pong'
    >();
    expectTypeOf<ServerMessage['type']>().toEqualTypeOf<
      | 'welcome'
      | 'subscribed'
      | 'unsubscribed'
      | 'ack'
      | 'error'
      | 'result'
      | 'msg'
      | 'presence'
      | 'join'
      | 'leave'
      | 'goaway'
      | 'ping'
      | 'pong'
    >();
    // @ts-expect-error a server message is not a client message
    const bad: ClientMessage = { type: 'welcome', sid: 's', heartbeatMs: 1, limits: {} };
    void bad;
  });

  it('narrows by type', () => {
    const msg = decodeClientMessage('{"type":"ping"}');
    if (msg.type === 'pub') expectTypeOf(msg.topic).toBeString();
    expectTypeOf<ClientMessageOf<'sub'>['since']>().toEqualTypeOf<
      { readonly epoch: string; readonly offset: number } | undefined
    >();
    expectTypeOf<ServerMessageOf<'msg'>['offset']>().toBeNumber();
  });

  it('keeps close codes literal', () => {
    expectTypeOf(CloseCode.SlowConsumer).toEqualTypeOf<4509>();
  });
});
