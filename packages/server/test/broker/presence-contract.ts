import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/utils/wait.js';
import type { Broker, ControlRequest, PresenceEvent, PresenceMember } from '../../src/broker/broker.js';
import { pastDeadline, uniqueTopic } from './harness.js';

/** What the presence contract needs from a backend. */
export interface PresenceBackend {
  /** A new, unstarted broker; brokers of a shared backend (Redis) are instances of one cluster. */
  create(): Broker;
  /** Whether brokers from `create()` share members (several instances) or each stands alone. */
  readonly shared: boolean;
}

/** A started broker with what its context received. */
export interface PresenceStarted {
  readonly broker: Broker;
  readonly events: PresenceEvent[];
  /** Control requests this instance answered. */
  readonly requests: ControlRequest[];
}

/** Starts `broker` with a context recording presence events and answering control requests with `closed: 1`. */
export async function startPresenceBroker(broker: Broker): Promise<PresenceStarted> {
  const events: PresenceEvent[] = [];
  const requests: ControlRequest[] = [];
  await broker.start({
    history: { size: 10, ttlMs: 60_000 },
    idempotencyTtlMs: 60_000,
    deliver: () => {},
    readyChanged: () => {},
    presenceChanged: (event) => events.push(event),
    control: (request) => {
      requests.push(request);
      return { closed: 1, connections: [{ sid: `s${requests.length}`, userId: request.userId }] };
    },
  });
  return { broker, events, requests };
}

/** `type sid [replaces]` of each event of `topic`, for comparing sequences. */
export function summary(events: readonly PresenceEvent[], topic: string): string[] {
  return events
    .filter((e) => e.topic === topic)
    .map(
      (e) => `${e.type} ${e.member.sid}${e.type === 'join' && e.replaces ? ` replaces ${e.replaces}` : ''}`,
    );
}

const bySid = (a: PresenceMember, b: PresenceMember) => a.sid.localeCompare(b.sid);

/** The presence behaviour every broker must have; run once per backend. */
export function presenceContract(name: string, backend: () => PresenceBackend): void {
  describe(`presence contract: ${name}`, () => {
    const open: Broker[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });
    /** Two instances of one cluster (one broker twice when the backend is not shared). */
    async function cluster(): Promise<[PresenceStarted, PresenceStarted]> {
      const first = await startPresenceBroker(backend().create());
      open.push(first.broker);
      if (!backend().shared) return [first, first];
      const second = await startPresenceBroker(backend().create());
      open.push(second.broker);
      return [first, second];
    }

    describe('#presence / #presenceStats', () => {
      it('lists the members of every instance and counts users: three tabs are one user', async () => {
        const [a, b] = await cluster();
        const topic = uniqueTopic('room');
        const ada = { userId: 'ada', info: { name: 'Ada' } };
        await a.broker.join!(topic, { member: { sid: 'a1', ...ada } });
        await a.broker.join!(topic, { member: { sid: 'a2', ...ada } });
        await b.broker.join!(topic, { member: { sid: 'b1', ...ada } });
        await b.broker.join!(topic, { member: { sid: 'b2', userId: 'bob' } });
        await b.broker.join!(topic, { member: { sid: 'b3' } });
        const expected = [
          { sid: 'a1', ...ada },
          { sid: 'a2', ...ada },
          { sid: 'b1', ...ada },
          { sid: 'b2', userId: 'bob' },
          { sid: 'b3' },
        ];
        for (const { broker } of [a, b]) {
          expect((await broker.presence!(topic)).sort(bySid)).toEqual(expected);
          expect(await broker.presenceStats!(topic)).toEqual({ connections: 5, users: 3 });
        }
        await a.broker.leave!(topic, 'a1');
        await b.broker.leave!(topic, 'b3');
        expect(await b.broker.presenceStats!(topic)).toEqual({ connections: 3, users: 2 });
        expect(await a.broker.presence!(uniqueTopic('empty'))).toEqual([]);
        expect(await a.broker.presenceStats!(uniqueTopic('empty'))).toEqual({ connections: 0, users: 0 });
      });
    });

    describe('join and leave', () => {
      it('reach every listening instance once per change, in order', async () => {
        const [a, b] = await cluster();
        const topic = uniqueTopic('room');
        await a.broker.listen(topic);
        if (b !== a) await b.broker.listen(topic);
        await a.broker.join!(topic, { member: { sid: 'x1', userId: 'ada' } });
        await b.broker.join!(topic, { member: { sid: 'x2', userId: 'bob' } });
        await a.broker.join!(topic, { member: { sid: 'x1', userId: 'ada' } });
        await a.broker.leave!(topic, 'x1');
        await a.broker.leave!(topic, 'x1');
        await b.broker.leave!(topic, 'nobody');
        await b.broker.leave!(topic, 'x2');
        const expected = ['join x1', 'join x2', 'leave x1', 'leave x2'];
        for (const { events } of [a, b]) {
          await waitFor(() => summary(events, topic).length >= 4, 10_000, 'four presence events');
        }
        await pastDeadline(100);
        expect(summary(a.events, topic)).toEqual(expected);
        expect(summary(b.events, topic)).toEqual(expected);
        const joined = a.events.find((e) => e.topic === topic && e.member.sid === 'x1');
        expect(joined?.member).toEqual({ sid: 'x1', userId: 'ada' });
      });

      it('are not delivered to an instance that does not listen to the topic', async () => {
        const [a, b] = await cluster();
        const topic = uniqueTopic('room');
        const marker = uniqueTopic('marker');
        await b.broker.listen(marker);
        await a.broker.join!(topic, { member: { sid: 'y1' } });
        await a.broker.join!(marker, { member: { sid: 'm1' } });
        await waitFor(() => summary(b.events, marker).length === 1, 10_000, 'the marker join');
        expect(summary(b.events, topic)).toEqual([]);
      });

      it('replace a member of the same client and user: one join with replaces, no leave', async () => {
        const [a, b] = await cluster();
        const topic = uniqueTopic('room');
        await a.broker.listen(topic);
        await a.broker.join!(topic, { member: { sid: 'old', userId: 'ada' }, client: 'tab-1' });
        await b.broker.join!(topic, { member: { sid: 'new', userId: 'ada' }, client: 'tab-1' });
        // Same client id, another user: no replacement.
        await b.broker.join!(topic, { member: { sid: 'eve', userId: 'eve' }, client: 'tab-1' });
        await a.broker.leave!(topic, 'old');
        await waitFor(() => summary(a.events, topic).length >= 3, 10_000, 'three joins');
        await pastDeadline(100);
        expect(summary(a.events, topic)).toEqual(['join old', 'join new replaces old', 'join eve']);
        expect((await a.broker.presence!(topic)).map((m) => m.sid).sort()).toEqual(['eve', 'new']);
        expect(await a.broker.presenceStats!(topic)).toEqual({ connections: 2, users: 2 });
      });
    });

    describe('anonymous members', () => {
      it('count one user per client instance, and a member of the same client replaces the last', async () => {
        const [a, b] = await cluster();
        const topic = uniqueTopic('room');
        await a.broker.listen(topic);
        await a.broker.join!(topic, { member: { sid: 'n1' }, client: 'anon-1' });
        await b.broker.join!(topic, { member: { sid: 'n2' }, client: 'anon-2' });
        await b.broker.join!(topic, { member: { sid: 'n3' } });
        expect(await a.broker.presenceStats!(topic)).toEqual({ connections: 3, users: 3 });
        await b.broker.join!(topic, { member: { sid: 'n4' }, client: 'anon-1' });
        await waitFor(() => summary(a.events, topic).length >= 4, 10_000, 'four joins');
        expect(summary(a.events, topic)).toEqual(['join n1', 'join n2', 'join n3', 'join n4 replaces n1']);
        expect(await b.broker.presenceStats!(topic)).toEqual({ connections: 3, users: 3 });
        // A user's member is not an anonymous one's to replace, even with the same client id.
        await a.broker.join!(topic, { member: { sid: 'n5', userId: 'ada' }, client: 'anon-2' });
        expect(await a.broker.presenceStats!(topic)).toEqual({ connections: 4, users: 4 });
      });
    });

    describe('#control', () => {
      it('runs a request on every instance and sums the replies', async () => {
        const [a, b] = await cluster();
        const instances = b === a ? 1 : 2;
        const request: ControlRequest = { type: 'disconnect', userId: 'ada', code: 4410, reason: 'revoked' };
        const reply = await a.broker.control!(request, 2_000);
        expect(reply.closed).toBe(instances);
        expect(a.requests).toEqual([request]);
        if (b !== a) expect(b.requests).toEqual([request]);
        const listed = await b.broker.control!({ type: 'connections', userId: 'ada' }, 2_000);
        expect(listed.connections).toHaveLength(instances);
      });
    });
  });
}
