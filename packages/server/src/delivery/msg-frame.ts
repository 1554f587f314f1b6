import { encodeServerMessage } from '@hubbub/protocol';
import type { BrokerMessage } from '../broker/broker.js';
import { type PreparedFrame, prepareFrame, prepareTextFrame } from './preframe.js';

const END = Buffer.from('}');
const END_REPLAYED = Buffer.from(',"replayed":true}');

/**
 * The `msg` frame of a broker message, built once for all its recipients. A payload that arrived
 * as JSON bytes (Redis) is spliced between the head and the end of the frame as it is; the text
 * is the one `encodeServerMessage` gives for the same message (same fields, same order).
 */
export function msgFrame(m: BrokerMessage, replayed: boolean, preframe: boolean): PreparedFrame {
  const { topic, epoch, offset } = m;
  if (m.json !== undefined) {
    const head = `{"type":"msg","topic":${JSON.stringify(topic)},"offset":${offset},"epoch":${JSON.stringify(epoch)},"data":`;
    return prepareTextFrame(
      Buffer.concat([Buffer.from(head), m.json, replayed ? END_REPLAYED : END]),
      preframe,
    );
  }
  const message = { type: 'msg' as const, topic, offset, epoch, data: m.data };
  return prepareFrame(encodeServerMessage(replayed ? { ...message, replayed: true } : message), preframe);
}
