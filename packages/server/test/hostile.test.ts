import { CloseCode, ErrorCode, SUBPROTOCOL } from '@hubbub/protocol';
import type { Hub } from '@hubbub/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeHubs, startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { openTcp, readUntilClosed, upgradeRequest } from './utils/raw.js';
import { connectClient, TestClient } from './utils/tclient.js';

const outcomes: Array<{ input: string; outcome: string }> = [];
let hub: Hub;
let url: string;
let port: number;
let good: TestClient;
let published = 0;

/** One more message on the well-behaved client's topic after each hostile case. */
async function publishNews(): Promise<void> {
  published++;
  await hub.publish('news', { n: published });
}

async function hostile(): Promise<TestClient> {
  return connectClient(url);
}

function record(input: string, outcome: string): void {
  outcomes.push({ input, outcome });
}

beforeAll(async () => {
  ({ hub, url } = await startHub({
    allowedOrigins: ['https://app.example'],
    authorize: (_principal, _action, topic) => !topic.startsWith('secret'),
    limits: {
      maxPayloadBytes: 4096,
      publishRate: 20,
      publishBurst: 20,
      maxRateLimitStrikes: 10,
      connectTimeoutMs: 400,
      headersTimeoutMs: 400,
      maxMalformedFrames: 5,
    },
  }));
  port = hub.address().port;
  good = await connectClient(url);
  await good.subscribe('news', 1);
});

afterAll(async () => {
  await publishNews();
  await good.waitForMessage('msg', (m) => m.offset === published);
  const offsets = good.received.filter((m) => m.type === 'msg').map((m) => (m as { offset: number }).offset);
  offsets.push(published);
  expect(offsets).toEqual(Array.from({ length: published }, (_, i) => i + 1));
  expect(good.ws.readyState).toBe(WebSocket.OPEN);
  console.log(`\nhostile input | outcome\n${outcomes.map((o) => `${o.input} | ${o.outcome}`).join('\n')}`);
  console.log(`well-behaved client: received all ${published} messages in order, connection still open`);
  await closeHubs();
});

describe('hostile inputs (a well-behaved subscriber stays served throughout)', () => {
  it('malformed JSON -> BAD_REQUEST error frame', async () => {
    const c = await hostile();
    c.send('{"type": "sub", "id": 1,');
    const err = await c.waitForMessage('error');
    expect(err.code).toBe(ErrorCode.BadRequest);
    record('malformed JSON', `error ${err.code}: ${err.message}`);
    await publishNews();
  });

  it('unknown type -> UNKNOWN_TYPE with the request id', async () => {
    const c = await hostile();
    c.send({ type: 'explode', id: 9 });
    const err = await c.waitForMessage('error');
    expect(err).toMatchObject({ id: 9, code: ErrorCode.UnknownType });
    record('unknown type', `error ${err.code} (id ${err.id}): ${err.message}`);
    await publishNews();
  });

  it('wrong field types -> BAD_REQUEST', async () => {
    const c = await hostile();
    c.send({ type: 'sub', id: 'one', topic: 5 });
    const e1 = await c.waitForMessage('error');
    c.send({ type: 'pub', id: 2, topic: 'news', data: 1, key: 42 });
    const e2 = await c.waitForMessage('error');
    // A topic of the wrong JSON type is a malformed field too, not a bad topic name.
    c.send({ type: 'sub', id: 3, topic: 5 });
    const e3 = await c.waitForMessage('error');
    expect(e1.code).toBe(ErrorCode.BadRequest);
    expect(e2).toMatchObject({ id: 2, code: ErrorCode.BadRequest });
    expect(e3).toMatchObject({ id: 3, code: ErrorCode.BadRequest });
    record(
      'wrong field types',
      `error ${e1.code}: ${e1.message}; error ${e2.code}: ${e2.message}; error ${e3.code}: ${e3.message}`,
    );
    await publishNews();
  });

  it('__proto__ keys are dropped and never reach Object.prototype', async () => {
    const c = await hostile();
    const sub = await connectClient(url);
    await sub.subscribe('proto', 1);
    c.send(
      '{"type":"pub","id":3,"topic":"proto","data":{"__proto__":{"polluted":true},"ok":1},"__proto__":{"x":1}}',
    );
    const ack = await c.waitForMessage('ack');
    const msg = await sub.waitForMessage('msg');
    expect(ack.id).toBe(3);
    expect(msg.data).toEqual({ ok: 1 });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    record(
      '__proto__ keys',
      `ack offset ${ack.offset}; delivered ${JSON.stringify(msg.data)}; prototype untouched`,
    );
    await publishNews();
  });

  it('oversize frame -> close 1009', async () => {
    const c = await hostile();
    c.send({ type: 'pub', id: 1, topic: 'news', data: 'x'.repeat(5000) });
    const closed = await c.waitForClose();
    expect(closed.code).toBe(CloseCode.TooBig);
    record('oversize frame (5 kB > 4 kB)', `close ${closed.code}`);
    await publishNews();
  });

  it('invalid UTF-8 in a text frame -> close 1007', async () => {
    const c = await hostile();
    c.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), false);
    const closed = await c.waitForClose();
    expect(closed.code).toBe(CloseCode.InvalidPayload);
    record('invalid UTF-8', `close ${closed.code}`);
    await publishNews();
  });

  it('garbage binary frame -> BAD_REQUEST', async () => {
    const c = await hostile();
    c.send(Buffer.from([1, 2, 3, 4]), true);
    const err = await c.waitForMessage('error');
    expect(err.code).toBe(ErrorCode.BadRequest);
    record('garbage binary frame', `error ${err.code}: ${err.message}`);
    await publishNews();
  });

  it.each(['bad topic', '$sys', '_private', 'a*', 'x'.repeat(129), ''])(
    'bad topic name %j -> BAD_TOPIC',
    async (topic) => {
      const c = await hostile();
      c.send({ type: 'sub', id: 4, topic });
      const err = await c.waitForMessage('error');
      expect(err.code).toBe(ErrorCode.BadTopic);
      expect(err.id).toBe(4);
      record(
        `bad topic ${JSON.stringify(topic.length > 20 ? `${topic.slice(0, 8)}…(${topic.length})` : topic)}`,
        `error ${err.code}`,
      );
      await publishNews();
    },
  );

  it('subscribe / publish before connect -> NOT_CONNECTED', async () => {
    const c = new TestClient(url);
    await c.opened;
    c.send({ type: 'sub', id: 1, topic: 'news' });
    c.send({ type: 'pub', id: 2, topic: 'news', data: 'sneaky' });
    const e1 = await c.waitForMessage('error', (m) => m.id === 1);
    const e2 = await c.waitForMessage('error', (m) => m.id === 2);
    expect([e1.code, e2.code]).toEqual([ErrorCode.NotConnected, ErrorCode.NotConnected]);
    record('sub/pub before connect', `error ${e1.code} for both; nothing published`);
    await publishNews();
  });

  it('forbidden topic -> FORBIDDEN', async () => {
    const c = await hostile();
    c.send({ type: 'sub', id: 5, topic: 'secret:plans' });
    c.send({ type: 'pub', id: 6, topic: 'secret:plans', data: 1 });
    const e1 = await c.waitForMessage('error', (m) => m.id === 5);
    const e2 = await c.waitForMessage('error', (m) => m.id === 6);
    expect([e1.code, e2.code]).toEqual([ErrorCode.Forbidden, ErrorCode.Forbidden]);
    record('forbidden topic', `error ${e1.code} (sub and pub)`);
    await publishNews();
  });

  it('flood -> RATE_LIMITED errors, then close 4429', async () => {
    const c = await hostile();
    for (let i = 0; i < 200; i++) c.send({ type: 'ping' });
    const err = await c.waitForMessage('error');
    const closed = await c.waitForClose();
    expect(err.code).toBe(ErrorCode.RateLimited);
    expect(closed.code).toBe(CloseCode.RateLimited);
    record('flood (200 frames, rate 20/s)', `error ${err.code}, then close ${closed.code}`);
    await publishNews();
  });

  it('duplicate subscribe -> ALREADY_SUBSCRIBED, delivered once', async () => {
    const c = await hostile();
    await c.subscribe('dup', 1);
    c.send({ type: 'sub', id: 2, topic: 'dup' });
    const err = await c.waitForMessage('error', (m) => m.id === 2);
    expect(err.code).toBe(ErrorCode.AlreadySubscribed);
    await hub.publish('dup', 'once');
    await hub.publish('dup', 'twice');
    await c.waitForMessage('msg', (m) => m.data === 'twice');
    expect(c.received.filter((m) => m.type === 'msg')).toHaveLength(1);
    record('duplicate subscribe', `error ${err.code}; each message delivered once`);
    await publishNews();
  });

  it('repeated malformed frames -> close 4400', async () => {
    const c = await hostile();
    for (let i = 0; i < 6; i++) c.send('nope');
    const closed = await c.waitForClose();
    expect(closed.code).toBe(CloseCode.BadRequest);
    record('6 malformed frames (limit 5)', `5 error frames, then close ${closed.code}`);
    await publishNews();
  });

  it('bad origin -> HTTP 403 before any upgrade', async () => {
    const ws = new WebSocket(url, [SUBPROTOCOL], { origin: 'https://evil.example' });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
    const ok = new TestClient(url, { origin: 'https://app.example' });
    await ok.connect();
    ok.close();
    record('bad origin', `HTTP ${status} (allowed origin still upgrades)`);
    await publishNews();
  });

  it('no subprotocol -> HTTP 400 naming the expected subprotocol', async () => {
    const socket = await openTcp(port);
    const done = readUntilClosed(socket);
    socket.write(upgradeRequest('/', {}));
    const response = await done;
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toContain(`offer "${SUBPROTOCOL}"`);
    const wrong = new WebSocket(url, ['hubbub.v999']);
    const status = await new Promise<number>((resolve) => {
      wrong.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      wrong.on('error', () => undefined);
    });
    expect(status).toBe(400);
    record('no / unknown subprotocol', `HTTP 400 "${response.split('\r\n\r\n')[1]?.trim()}"`);
    await publishNews();
  });

  it('socket opened but no connect frame -> close 4408', async () => {
    const c = new TestClient(url);
    await c.opened;
    const closed = await c.waitForClose();
    expect(closed.code).toBe(CloseCode.ConnectTimeout);
    record('WebSocket open, no connect', `close ${closed.code}: ${closed.reason}`);
    await publishNews();
  });

  it('upgrade request never completed -> socket dropped by headersTimeout', async () => {
    const socket = await openTcp(port);
    const done = readUntilClosed(socket);
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    const response = await done;
    expect(response === '' || response.startsWith('HTTP/1.1 408')).toBe(true);
    record(
      'half-sent HTTP upgrade (TCP)',
      `dropped: ${response ? response.split('\r\n')[0] : 'closed without response'}`,
    );
    await publishNews();
  });

  it('not HTTP at all (TCP) -> 400 and closed', async () => {
    const socket = await openTcp(port);
    const done = readUntilClosed(socket);
    socket.write('\x16\x03\x01garbage\r\n\r\n');
    const response = await done;
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    record('non-HTTP bytes (TCP)', response.split('\r\n')[0] ?? '');
    await publishNews();
  });

  it('the server is unaffected', async () => {
    await waitFor(() => hub.stats().connections >= 1);
    expect(hub.stats().malformed).toBeGreaterThan(0);
    expect(hub.stats().rateLimited).toBeGreaterThan(0);
  });
});
