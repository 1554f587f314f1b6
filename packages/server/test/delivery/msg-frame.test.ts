import { encodeServerMessage } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';
import { decodeChannelMessage, encodePayload, storedMessage } from '../../src/broker/redis/codec.js';
import { msgFrame } from '../../src/delivery/msg-frame.js';

const PAYLOADS = [
  { text: 'hello' },
  { nested: { list: [1, 2.5, -3e-7, null, true], s: 'quote " backslash \\ newline \n' } },
  { unicode: 'héllo wörld ✓ 😀', '\u2028': 'line separator' },
  'a plain string',
  42,
  null,
  [],
];

/** A channel message as the publish script builds it: `<epoch>:<offset>:<blob>`. */
function channelMessage(epoch: string, offset: number, data: unknown): Buffer {
  return Buffer.concat([Buffer.from(`${epoch}:${offset}:`), encodePayload(data as never)]);
}

describe('msgFrame', () => {
  it.each(PAYLOADS)(
    'splices a payload from Redis into the same text encodeServerMessage gives (%j)',
    (data) => {
      const m = decodeChannelMessage('room.a', channelMessage('ep1', 7, data));
      expect(m.json).toBeInstanceOf(Buffer);
      const live = msgFrame(m, false, false).data.toString('utf8');
      const replayed = msgFrame(m, true, false).data.toString('utf8');
      expect(live).toBe(
        encodeServerMessage({ type: 'msg', topic: 'room.a', offset: 7, epoch: 'ep1', data: data as never }),
      );
      expect(replayed).toBe(
        encodeServerMessage({
          type: 'msg',
          topic: 'room.a',
          offset: 7,
          epoch: 'ep1',
          data: data as never,
          replayed: true,
        }),
      );
      expect(JSON.parse(live).data).toEqual(data);
    },
  );

  it('parses a stored payload only when data is read, and only once', () => {
    const buf = channelMessage('ep', 1, { n: 1 });
    const m = storedMessage('t', 'ep', 1, buf, buf.indexOf(':', 3) + 1);
    const first = m.data;
    expect(first).toEqual({ n: 1 });
    expect(m.data).toBe(first);
    expect({ ...m, json: undefined }).toEqual({
      topic: 't',
      epoch: 'ep',
      offset: 1,
      data: { n: 1 },
      json: undefined,
    });
  });

  it('keeps binary payloads binary, with no JSON text', () => {
    const m = decodeChannelMessage('t', channelMessage('ep', 2, new Uint8Array([1, 2, 3])));
    expect(m.json).toBeUndefined();
    expect(Buffer.from(m.data as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
    expect(msgFrame(m, false, false).binary).toBe(true);
  });
});
