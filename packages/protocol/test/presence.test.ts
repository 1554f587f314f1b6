import { decodeClientMessage, decodeServerMessage, encodeServerMessage } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';

const member = { sid: 'a.1', userId: 'ada', info: { name: 'Ada' } };

describe('presence frames', () => {
  describe('#decodeClientMessage', () => {
    it('reads a presence request, with and without stats', () => {
      expect(decodeClientMessage('{"type":"presence","id":3,"topic":"room.1"}')).toEqual({
        type: 'presence',
        id: 3,
        topic: 'room.1',
      });
      expect(decodeClientMessage('{"type":"presence","id":3,"topic":"room.1","stats":true}')).toEqual({
        type: 'presence',
        id: 3,
        topic: 'room.1',
        stats: true,
      });
    });

    it.each([
      ['{"type":"presence","topic":"room"}', 'missing field "id"'],
      ['{"type":"presence","id":1,"topic":"$bad"}', 'presence:'],
      ['{"type":"presence","id":1,"topic":"room","stats":"yes"}', '"stats" must be a boolean'],
    ])('refuses %s', (frame, message) => {
      expect(() => decodeClientMessage(frame)).toThrow(message);
    });
  });

  describe('#decodeServerMessage', () => {
    it('reads join and leave with their member, keeping known fields only', () => {
      const join = { type: 'join', topic: 'room', member: { ...member, extra: 1 }, replaces: 'b.2' };
      expect(decodeServerMessage(JSON.stringify(join))).toEqual({ ...join, member });
      const leave = { type: 'leave', topic: 'room', member: { sid: 'a.1' } };
      expect(decodeServerMessage(JSON.stringify(leave))).toEqual(leave);
    });

    it('reads a presence answer with members, and one with counts only', () => {
      const full = encodeServerMessage({
        type: 'presence',
        id: 1,
        topic: 'room',
        connections: 2,
        users: 1,
        members: [member, { sid: 'a.2', userId: 'ada' }],
      });
      expect(decodeServerMessage(full)).toMatchObject({ members: [member, { sid: 'a.2', userId: 'ada' }] });
      const stats = '{"type":"presence","id":1,"topic":"room","connections":0,"users":0}';
      expect(decodeServerMessage(stats)).toEqual({
        type: 'presence',
        id: 1,
        topic: 'room',
        connections: 0,
        users: 0,
      });
    });

    it('says whether a subscription has presence', () => {
      const frame = {
        type: 'subscribed',
        id: 1,
        topic: 'room',
        position: { epoch: 'e', offset: 0 },
        recovered: true,
        replayed: 0,
        presence: true,
      };
      expect(decodeServerMessage(JSON.stringify(frame))).toEqual(frame);
    });

    it.each([
      ['a member without sid', { type: 'join', topic: 'room', member: { userId: 'x' } }],
      [
        'a member list that is not a list',
        { type: 'presence', id: 1, topic: 'r', connections: 1, users: 1, members: {} },
      ],
      [
        'a member that is not an object',
        { type: 'presence', id: 1, topic: 'r', connections: 1, users: 1, members: [1] },
      ],
      ['a userId that is not a string', { type: 'leave', topic: 'room', member: { sid: 'a', userId: 7 } }],
    ])('refuses %s', (_what, frame) => {
      expect(() => decodeServerMessage(JSON.stringify(frame))).toThrow();
    });
  });
});
