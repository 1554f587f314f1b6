import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PresenceEvent } from '../../src/broker/broker.js';
import { createMemoryBroker } from '../../src/broker/memory.js';
import { keepsPresence, PresenceTracker } from '../../src/presence/tracker.js';

async function setup(graceMs: number) {
  const broker = createMemoryBroker();
  const events: string[] = [];
  const errors: unknown[] = [];
  await broker.start({
    history: { size: 0, ttlMs: 1_000 },
    idempotencyTtlMs: 1_000,
    deliver: () => {},
    readyChanged: () => {},
    presenceChanged: (e: PresenceEvent) => events.push(`${e.type} ${e.member.sid}`),
  });
  await broker.listen('room');
  const tracker = new PresenceTracker({ broker, reportError: (err) => errors.push(err) }, true, graceMs);
  return { broker, tracker, events, errors };
}

const conn = (sid: string) => ({ sid, userId: 'ada', info: undefined, client: undefined });

describe('PresenceTracker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('#keepsPresence', () => {
    it.each([
      [1000, false, false],
      [1001, false, false],
      [1001, true, true],
      [1006, false, true],
      [1011, false, true],
      [4409, false, true],
      [4410, false, false],
      [4403, false, false],
      [4509, false, true],
    ])('close %i (draining: %s) keeps the member: %s', (code, draining, kept) => {
      expect(keepsPresence(code, draining)).toBe(kept);
    });
  });

  describe('#ended', () => {
    it('lets a lost member leave exactly when the grace period is over (35 s)', async () => {
      vi.useFakeTimers();
      const { tracker, events } = await setup(35_000);
      await tracker.join(conn('a'), 'room');
      await tracker.join(conn('b'), 'room');
      tracker.ended('a', 1006);
      vi.advanceTimersByTime(10_000);
      tracker.ended('b', 1006);
      vi.advanceTimersByTime(24_999);
      expect(events).toEqual(['join a', 'join b']);
      vi.advanceTimersByTime(1);
      expect(events).toEqual(['join a', 'join b', 'leave a']);
      vi.advanceTimersByTime(10_000);
      expect(events).toEqual(['join a', 'join b', 'leave a', 'leave b']);
    });

    it('lets a member that closed on purpose leave at once, and forgets unsubscribed topics', async () => {
      vi.useFakeTimers();
      const { tracker, events } = await setup(35_000);
      await tracker.join(conn('a'), 'room');
      await tracker.join(conn('b'), 'room');
      tracker.leave('b', 'room');
      tracker.ended('b', 1006);
      tracker.ended('a', 1000);
      expect(events).toEqual(['join a', 'join b', 'leave b', 'leave a']);
      vi.advanceTimersByTime(60_000);
      expect(events).toHaveLength(4);
    });

    it('keeps the members of a draining hub (1001) and drops its timer on stop', async () => {
      vi.useFakeTimers();
      const { tracker, events } = await setup(35_000);
      await tracker.join(conn('a'), 'room');
      tracker.drain();
      tracker.ended('a', 1001);
      tracker.stop();
      vi.advanceTimersByTime(60_000);
      expect(events).toEqual(['join a']);
    });
  });
});
