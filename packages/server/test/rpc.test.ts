import { CloseCode, ErrorCode, encodeClientMessage } from '@hubbub/protocol';
import { type CallContext, createServer, type Hub, RpcError } from '@hubbub/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeHubs, startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { connectClient, TestClient } from './utils/tclient.js';

/** A promise and the function that settles it, for handlers the test releases by hand. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

let hub: Hub;
let url: string;
const errors: Error[] = [];
const contexts: CallContext[] = [];
let slow = gate<string>();
let slowFinished = gate();
let slowRuns = 0;

beforeAll(async () => {
  ({ hub, url } = await startHub({
    authenticate: ({ token }) => ({ principal: { name: `p-${token}` }, userId: token }),
    rpc: { timeoutMs: 300 },
    exposeErrors: false,
  }));
  hub.on('error', (err) => errors.push(err));
  hub.handle('echo', (data, ctx) => {
    contexts.push(ctx);
    return data;
  });
  hub.handle('nothing', () => undefined);
  hub.handle('bytes.reverse', async (data) => Uint8Array.from(data as Uint8Array).reverse());
  hub.handle('room.rename', (data) => {
    const { name } = data as { name: string };
    if (name === 'taken') throw new RpcError('TAKEN', 'that name is taken', { suggestions: ['taken-2'] });
    if (name === 'plain') throw new RpcError('NOPE', 'no');
    return { name };
  });
  hub.handle('boom', () => {
    throw new Error('database password is hunter2');
  });
  hub.handle('boom.async', async () => {
    throw new Error('async secret');
  });
  hub.handle('bigint', () => ({ n: 1n }));
  hub.handle('slow', async () => {
    slowRuns++;
    const value = await slow.promise;
    slowFinished.open();
    return value;
  });
});

afterAll(async () => {
  await closeHubs();
});

/** Sends `frame` and returns the first result or error frame answering `id`. */
async function ask(c: TestClient, frame: object | Uint8Array, id: number) {
  if (frame instanceof Uint8Array) c.send(Buffer.from(frame), true);
  else c.send(frame);
  return Promise.race([
    c.waitForMessage('result', (m) => m.id === id),
    c.waitForMessage('error', (m) => m.id === id),
  ]);
}

describe('call', () => {
  it('answers with the handler value, echoing the id, and gives the handler who called', async () => {
    const c = await connectClient(url, 'alice');
    const answer = await ask(
      c,
      { type: 'call', id: 41, method: 'echo', data: { text: 'hi', n: [1, null] } },
      41,
    );
    expect(answer).toEqual({ type: 'result', id: 41, data: { text: 'hi', n: [1, null] } });
    const ctx = contexts.at(-1)!;
    expect(ctx.userId).toBe('alice');
    expect(ctx.principal).toEqual({ name: 'p-alice' });
    // This raw client sent no instance id in `connect`.
    expect(ctx.client).toBeUndefined();
    expect(hub.connections()).toContain(ctx.sid);
    c.close();
  });

  it('carries bytes both ways in binary frames', async () => {
    const c = await connectClient(url, 'bob');
    const frame = encodeClientMessage({
      type: 'call',
      id: 2,
      method: 'bytes.reverse',
      data: new Uint8Array([1, 2, 3, 255]),
    });
    expect(frame).toBeInstanceOf(Uint8Array);
    const answer = await ask(c, frame as Uint8Array, 2);
    expect(answer.type).toBe('result');
    expect((answer as { data: Uint8Array }).data).toEqual(new Uint8Array([255, 3, 2, 1]));
    c.close();
  });

  it('answers a call without data, and a handler returning undefined with a result without data', async () => {
    const c = await connectClient(url, 'carol');
    expect(await ask(c, { type: 'call', id: 3, method: 'echo' }, 3)).toEqual({ type: 'result', id: 3 });
    expect(await ask(c, { type: 'call', id: 4, method: 'nothing', data: 1 }, 4)).toEqual({
      type: 'result',
      id: 4,
    });
    c.close();
  });

  it("sends an RpcError's code, message and data as the call's error", async () => {
    const c = await connectClient(url, 'dave');
    expect(await ask(c, { type: 'call', id: 5, method: 'room.rename', data: { name: 'taken' } }, 5)).toEqual({
      type: 'result',
      id: 5,
      error: { code: 'TAKEN', message: 'that name is taken', data: { suggestions: ['taken-2'] } },
    });
    expect(await ask(c, { type: 'call', id: 6, method: 'room.rename', data: { name: 'plain' } }, 6)).toEqual({
      type: 'result',
      id: 6,
      error: { code: 'NOPE', message: 'no' },
    });
    c.close();
  });

  it('answers any other throw with INTERNAL, hiding its message without exposeErrors, and reports it', async () => {
    const c = await connectClient(url, 'erin');
    const before = errors.length;
    expect(await ask(c, { type: 'call', id: 7, method: 'boom' }, 7)).toEqual({
      type: 'error',
      id: 7,
      code: ErrorCode.Internal,
      message: 'call "boom" failed: internal error',
    });
    expect(await ask(c, { type: 'call', id: 8, method: 'boom.async' }, 8)).toMatchObject({
      code: ErrorCode.Internal,
      message: 'call "boom.async" failed: internal error',
    });
    expect(await ask(c, { type: 'call', id: 9, method: 'bigint' }, 9)).toMatchObject({
      code: ErrorCode.Internal,
    });
    expect(errors.slice(before).map((e) => e.message)).toEqual([
      'database password is hunter2',
      'async secret',
      expect.stringContaining('the handler of "bigint" returned data cannot be serialised'),
    ]);
    c.close();
  });

  it('shows the message of a throw with exposeErrors', async () => {
    const { hub: open, url: openUrl } = await startHub({ exposeErrors: true });
    open.on('error', () => undefined);
    open.handle('boom', () => {
      throw new Error('visible detail');
    });
    const c = await connectClient(openUrl);
    expect(await ask(c, { type: 'call', id: 1, method: 'boom' }, 1)).toMatchObject({
      code: ErrorCode.Internal,
      message: 'call "boom" failed: visible detail',
    });
    c.close();
  });

  it('refuses an unknown method with UNKNOWN_METHOD and a call before connect with NOT_CONNECTED', async () => {
    const c = await connectClient(url, 'frank');
    expect(await ask(c, { type: 'call', id: 10, method: 'nope' }, 10)).toEqual({
      type: 'error',
      id: 10,
      code: ErrorCode.UnknownMethod,
      message: 'no handler for method "nope"',
    });
    c.close();
    const early = new TestClient(url);
    await early.opened;
    expect(await ask(early, { type: 'call', id: 11, method: 'echo', data: 1 }, 11)).toMatchObject({
      code: ErrorCode.NotConnected,
    });
    early.close();
  });

  it('refuses a malformed call with BAD_REQUEST naming the field', async () => {
    const c = await connectClient(url, 'gina');
    expect(await ask(c, { type: 'call', id: 12, method: 'bad method' }, 12)).toMatchObject({
      code: ErrorCode.BadRequest,
      message: expect.stringContaining('call: method must start with a letter or digit'),
    });
    c.close();
  });

  it('answers TIMEOUT past rpc.timeoutMs and drops the late result; later frames were never held', async () => {
    slow = gate<string>();
    slowFinished = gate();
    slowRuns = 0;
    const c = await connectClient(url, 'hank');
    c.send({ type: 'call', id: 20, method: 'slow' });
    // The slow handler does not hold the connection: a later call and a publish are answered first.
    expect(await ask(c, { type: 'call', id: 21, method: 'echo', data: 'quick' }, 21)).toMatchObject({
      data: 'quick',
    });
    c.send({ type: 'pub', id: 22, topic: 'rpc.side', data: 1 });
    await c.waitForMessage('ack', (m) => m.id === 22);
    expect(c.received.some((m) => 'id' in m && m.id === 20)).toBe(false);
    expect(await c.waitForMessage('error', (m) => m.id === 20)).toEqual({
      type: 'error',
      id: 20,
      code: ErrorCode.Timeout,
      message: '"slow" did not answer within 300 ms',
    });
    slow.open('too late');
    await slowFinished.promise;
    // Anything sent for id 20 after the handler finished would arrive before this pong.
    c.send({ type: 'ping' });
    await c.waitForMessage('pong');
    expect(c.received.filter((m) => 'id' in m && m.id === 20)).toEqual([]);
    expect(slowRuns).toBe(1);
    c.close();
  });

  it('drops the answer of a call whose connection closed before the handler finished', async () => {
    slow = gate<string>();
    slowFinished = gate();
    slowRuns = 0;
    const c = await connectClient(url, 'ivy');
    c.send({ type: 'call', id: 30, method: 'slow' });
    await waitFor(() => slowRuns === 1, 5_000, 'the slow handler to start');
    c.ws.terminate();
    await c.closed;
    const errorsBefore = errors.length;
    slow.open('nobody listens');
    await slowFinished.promise;
    // A fresh connection is answered as usual, and nothing went wrong on the hub.
    const d = await connectClient(url, 'ivy');
    expect(await ask(d, { type: 'call', id: 1, method: 'echo', data: 2 }, 1)).toMatchObject({ data: 2 });
    expect(errors.length).toBe(errorsBefore);
    expect(slowRuns).toBe(1);
    d.close();
  });

  it('counts calls toward the inbound rate limit: a flood is refused and closed, other clients are unaffected', async () => {
    const { hub: limited, url: limitedUrl } = await startHub({
      limits: { publishRate: 20, publishBurst: 20, maxRateLimitStrikes: 10 },
    });
    let runs = 0;
    limited.handle('count', (data) => {
      runs++;
      return data;
    });
    const good = await connectClient(limitedUrl);
    const flood = await connectClient(limitedUrl);
    for (let id = 1; id <= 100; id++) flood.send({ type: 'call', id, method: 'count', data: id });
    const closed = await flood.waitForClose();
    expect(closed.code).toBe(CloseCode.RateLimited);
    const refused = flood.received.filter((m) => m.type === 'error' && m.code === ErrorCode.RateLimited);
    const answered = flood.received.filter((m) => m.type === 'result');
    expect(refused.length).toBeGreaterThan(0);
    // Each refusal names the call it dropped; none of those ran.
    expect(refused.every((m) => 'id' in m && typeof m.id === 'number')).toBe(true);
    expect(answered.length).toBeLessThanOrEqual(21);
    expect(runs).toBe(answered.length);
    // The well-behaved client, on the same hub, is answered every time and stays open.
    for (let id = 1; id <= 10; id++) {
      expect(await ask(good, { type: 'call', id, method: 'count', data: `good-${id}` }, id)).toMatchObject({
        type: 'result',
        data: `good-${id}`,
      });
    }
    expect(good.ws.readyState).toBe(WebSocket.OPEN);
    expect(limited.stats().rateLimited).toBeGreaterThan(0);
    good.close();
  });
});

describe('rpc.timeoutMs: Infinity', () => {
  it('bounds nothing: a slow handler is answered when it finishes', async () => {
    const { hub: unbounded, url: unboundedUrl } = await startHub({ rpc: { timeoutMs: Infinity } });
    unbounded.handle('slow', async (data) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return data;
    });
    const c = await connectClient(unboundedUrl);
    expect(await ask(c, { type: 'call', id: 1, method: 'slow', data: 'done' }, 1)).toEqual({
      type: 'result',
      id: 1,
      data: 'done',
    });
    c.close();
  });
});

describe('hub.handle', () => {
  it('refuses a second handler for a method, a bad name and a handler that is not a function', () => {
    expect(() => hub.handle('echo', () => 1)).toThrow('"echo" already has a handler');
    expect(() => hub.handle('bad name', () => 1)).toThrow(TypeError);
    expect(() => hub.handle('', () => 1)).toThrow('method must not be empty');
    expect(() => hub.handle('fine', 5 as never)).toThrow('the handler must be a function');
  });

  it('validates the rpc option', () => {
    expect(() => createServer({ noServer: true, rpc: { timeout: 5 } as never })).toThrow(
      'unknown option "timeout"',
    );
    expect(() => createServer({ noServer: true, rpc: { timeoutMs: 0 } })).toThrow(
      'rpc.timeoutMs must be at least 1',
    );
    expect(() => createServer({ noServer: true, rpc: { timeoutMs: -1 } })).toThrow('non-negative');
    expect(() => createServer({ noServer: true, rpc: 5 as never })).toThrow('rpc must be an object');
  });
});
