import { type Client, createClient, type HubbubError, RpcError } from '@hubbub/client';
import { describe, expectTypeOf, it } from 'vitest';

interface Line {
  readonly text: string;
  readonly offset: number;
}

/** One method map, as an app would declare it once for both ends. */
interface ChatMethods {
  'room.rename': (data: { room: string; name: string }) => { name: string };
  'room.history.search': (data: { room: string; text: string }) => Promise<Line[]>;
  'room.list': () => string[];
  'files.thumb': (data: Uint8Array) => Uint8Array;
  'clock.now': (data?: { tz: string }) => number;
}

describe('client.call with a method map', () => {
  const client = createClient<ChatMethods>({ url: 'ws://127.0.0.1:1' });

  it('types the data and the result of each method', () => {
    expectTypeOf(client).toEqualTypeOf<Client<ChatMethods>>();
    // A typed client still goes wherever a plain Client is expected (a React provider, helpers).
    expectTypeOf(client).toExtend<Client>();
    expectTypeOf(client.call('room.rename', { room: 'lobby', name: 'Lobby' })).toEqualTypeOf<
      Promise<{ name: string }>
    >();
    // A handler's promise is awaited: the call resolves with what it resolves with.
    expectTypeOf(client.call('room.history.search', { room: 'lobby', text: 'hi' })).toEqualTypeOf<
      Promise<Line[]>
    >();
    expectTypeOf(client.call('files.thumb', new Uint8Array(4))).toEqualTypeOf<Promise<Uint8Array>>();
  });

  it('lets data be left out only where the handler takes none or an optional one', () => {
    expectTypeOf(client.call('room.list')).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(client.call('room.list', undefined, { timeoutMs: 500 })).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(client.call('clock.now')).toEqualTypeOf<Promise<number>>();
    expectTypeOf(client.call('clock.now', { tz: 'UTC' }, { timeoutMs: 500 })).toEqualTypeOf<
      Promise<number>
    >();
    // @ts-expect-error room.rename needs its data
    client.call('room.rename');
  });

  it('refuses unknown methods and wrong data', () => {
    // @ts-expect-error not a method of the map
    client.call('room.delete', { room: 'lobby' });
    // @ts-expect-error wrong field type
    client.call('room.rename', { room: 'lobby', name: 5 });
    // @ts-expect-error bytes where JSON is expected
    client.call('room.rename', new Uint8Array(1));
    // @ts-expect-error a method without data takes none
    client.call('room.list', { room: 'lobby' });
    // @ts-expect-error options need a number
    client.call('room.list', undefined, { timeoutMs: '5' });
  });
});

describe('client.call without a method map', () => {
  const client = createClient({ url: 'ws://127.0.0.1:1' });

  it('takes any method and data and resolves with unknown', () => {
    expectTypeOf(client.call('anything', { a: 1 })).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(client.call('anything')).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(client.call('anything', new Uint8Array(1), { timeoutMs: 100 })).toEqualTypeOf<
      Promise<unknown>
    >();
  });
});

describe('RpcError', () => {
  it('carries the code, message and data of the handler', () => {
    const err = new RpcError('NOT_FOUND', 'no such room', { room: 'x' });
    expectTypeOf(err.code).toBeString();
    expectTypeOf(err.data).toBeUnknown();
    expectTypeOf(err).toExtend<Error>();
    expectTypeOf<HubbubError['code']>().toExtend<string>();
    // @ts-expect-error the code is required
    new RpcError();
  });
});
