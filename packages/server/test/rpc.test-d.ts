import { type CallContext, createServer, type Hub, type MethodHandler, RpcError } from '@hubbub/server';
import { describe, expectTypeOf, it } from 'vitest';

interface Line {
  readonly text: string;
  readonly offset: number;
}

/** The same kind of map the client test declares: one declaration types both ends. */
interface ChatMethods {
  'room.rename': (data: { room: string; name: string }) => { name: string };
  'room.history.search': (data: { room: string; text: string }) => Line[];
  'room.list': () => string[];
  'files.thumb': (data: Uint8Array) => Uint8Array;
}

describe('hub.handle with a method map', () => {
  const hub = createServer<ChatMethods>({ noServer: true });

  it('types the data, the context and the result of each handler', () => {
    expectTypeOf(hub).toEqualTypeOf<Hub<ChatMethods>>();
    // A typed hub still goes wherever a plain Hub is expected.
    expectTypeOf(hub).toExtend<Hub>();
    hub.handle('room.rename', (data, ctx) => {
      expectTypeOf(data).toEqualTypeOf<{ room: string; name: string }>();
      expectTypeOf(ctx).toEqualTypeOf<CallContext>();
      expectTypeOf(ctx.userId).toEqualTypeOf<string | undefined>();
      expectTypeOf(ctx.sid).toBeString();
      return { name: data.name };
    });
    // A promise of the result is fine too.
    hub.handle('room.history.search', async (data) => [{ text: data.text, offset: 1 }]);
    hub.handle('room.list', (data) => {
      expectTypeOf(data).toBeUndefined();
      return ['lobby'];
    });
    hub.handle('files.thumb', (data) => data.subarray(0, 4));
  });

  it('refuses unknown methods and wrong results', () => {
    // @ts-expect-error not a method of the map
    hub.handle('room.delete', () => undefined);
    // @ts-expect-error the result lacks "name"
    hub.handle('room.rename', () => ({ title: 'x' }));
    // @ts-expect-error a promise of the wrong result
    hub.handle('room.list', async () => [1, 2]);
    expectTypeOf<MethodHandler<ChatMethods, 'room.list'>>().returns.toEqualTypeOf<
      string[] | PromiseLike<string[]>
    >();
  });
});

describe('hub.handle without a method map', () => {
  it('takes any method, data unknown, any result', () => {
    const hub = createServer({ noServer: true });
    hub.handle('anything', (data, ctx) => {
      expectTypeOf(data).toBeUnknown();
      expectTypeOf(ctx.principal).toBeUnknown();
      return { ok: true };
    });
  });

  it('exports RpcError', () => {
    expectTypeOf(new RpcError('NOT_FOUND', 'no such room', { room: 'x' }).code).toBeString();
  });
});
