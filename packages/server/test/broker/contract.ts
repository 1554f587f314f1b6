import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/utils/wait.js';
import type { Broker, HistoryOptions } from '../../src/broker/broker.js';
import { offsetsOf, pastDeadline, type Started, startBroker, uniqueTopic } from './harness.js';

/** What the contract suite needs from a backend. */
export interface ContractBackend {
  /** A new, unstarted broker on the shared backend (for Redis: the same Redis, same prefix). */
  create(): Broker;
  /**
   * Makes the backend lose every topic's data, as a restart without persistence would. Brokers
   * created afterwards must see new epochs.
   */
  loseData(): Promise<void>;
}

const bytes = (...values: number[]) => new Uint8Array(values);

/** The behaviour every broker must have; run once per backend. */
export function brokerContract(name: string, backend: () => ContractBackend): void {
  describe(`broker contract: ${name}`, () => {
    const open: Broker[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });
    async function start(history?: HistoryOptions, idempotencyTtlMs?: number): Promise<Started> {
      const broker = backend().create();
      open.push(broker);
      return startBroker(broker, history, idempotencyTtlMs);
    }

    describe('#start', () => {
      it('reports ready', async () => {
        const { broker, ready } = await start();
        expect(broker.isReady()).toBe(true);
        expect(ready.at(-1)).toBe(true);
      });

      it('is ready as soon as start resolves, every time', async () => {
        const started = await Promise.all(Array.from({ length: 12 }, () => start()));
        expect(started.map(({ broker }) => broker.isReady())).toEqual(started.map(() => true));
      });
    });

    describe('#publish', () => {
      it('assigns offsets from 1, one by one, in one epoch', async () => {
        const { broker } = await start();
        const topic = uniqueTopic();
        const results = [];
        for (let i = 0; i < 5; i++) results.push(await broker.publish(topic, { i }));
        expect(results.map((r) => r.offset)).toEqual([1, 2, 3, 4, 5]);
        expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
        expect(results.every((r) => !r.duplicate)).toBe(true);
        const other = await broker.publish(uniqueTopic(), 'x');
        expect(other.offset).toBe(1);
      });

      it('returns the original offset for a repeated idempotency key and delivers once', async () => {
        const { broker, delivered } = await start();
        const topic = uniqueTopic();
        await broker.listen(topic);
        const first = await broker.publish(topic, 'a', 'key-1');
        const again = await broker.publish(topic, 'a', 'key-1');
        const other = await broker.publish(topic, 'b', 'key-2');
        expect(again).toEqual({ epoch: first.epoch, offset: first.offset, duplicate: true });
        expect(first.duplicate).toBe(false);
        expect(other.offset).toBe(first.offset + 1);
        const elsewhere = await broker.publish(uniqueTopic(), 'c', 'key-1');
        expect(elsewhere).toMatchObject({ offset: 1, duplicate: false });
        await waitFor(() => offsetsOf(delivered, topic).length >= 2, 5_000, 'two deliveries');
        const read = await broker.read(topic, { after: 0 });
        expect(read.messages.map((m) => m.data)).toEqual(['a', 'b']);
        expect(offsetsOf(delivered, topic)).toEqual([1, 2]);
      });

      it('forgets an idempotency key after idempotencyTtlMs', async () => {
        const { broker } = await start(undefined, 150);
        const topic = uniqueTopic();
        const first = await broker.publish(topic, 'a', 'k');
        await pastDeadline(400);
        const later = await broker.publish(topic, 'a', 'k');
        expect(later).toEqual({ epoch: first.epoch, offset: 2, duplicate: false });
      });

      it('carries JSON values and raw bytes', async () => {
        const { broker, delivered } = await start();
        const topic = uniqueTopic();
        await broker.listen(topic);
        const values = [{ a: [1, 'two', null], b: { c: true } }, 'text ünïcode', 42, null, [1, 2]];
        for (const value of values) await broker.publish(topic, value);
        await broker.publish(topic, bytes(0, 1, 2, 0xff, 0xb1));
        await waitFor(() => offsetsOf(delivered, topic).length === 6, 5_000, 'six deliveries');
        const live = delivered.filter((m) => m.topic === topic).map((m) => m.data);
        const read = (await broker.read(topic, { after: 0 })).messages.map((m) => m.data);
        for (const got of [live, read]) {
          expect(got.slice(0, 5)).toEqual(values);
          expect(got[5]).toBeInstanceOf(Uint8Array);
          expect(Array.from(got[5] as Uint8Array)).toEqual([0, 1, 2, 0xff, 0xb1]);
        }
      });

      it('rejects with UNAVAILABLE once closed', async () => {
        const { broker } = await start();
        await broker.close();
        await expect(broker.publish(uniqueTopic(), 1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      });
    });

    describe('#read', () => {
      it('answers for an unknown topic with an epoch and nothing kept', async () => {
        const { broker } = await start();
        const topic = uniqueTopic();
        const read = await broker.read(topic, { after: 0 });
        expect(read).toMatchObject({ offset: 0, firstOffset: 1, messages: [] });
        expect(read.epoch).toEqual(expect.any(String));
        expect((await broker.publish(topic, 1)).epoch).toBe(read.epoch);
      });

      it('reads after an offset and the last N messages', async () => {
        const { broker } = await start();
        const topic = uniqueTopic();
        for (let i = 1; i <= 5; i++) await broker.publish(topic, i);
        const offsets = async (q: { after: number } | { last: number }) =>
          (await broker.read(topic, q)).messages.map((m) => m.offset);
        expect(await offsets({ after: 2 })).toEqual([3, 4, 5]);
        expect(await offsets({ after: 5 })).toEqual([]);
        expect(await offsets({ after: 0 })).toEqual([1, 2, 3, 4, 5]);
        expect(await offsets({ last: 2 })).toEqual([4, 5]);
        expect(await offsets({ last: 0 })).toEqual([]);
        expect(await offsets({ last: 50 })).toEqual([1, 2, 3, 4, 5]);
        const read = await broker.read(topic, { last: 1 });
        expect(read).toMatchObject({ offset: 5, firstOffset: 1 });
        expect(read.messages[0]).toMatchObject({ topic, epoch: read.epoch, offset: 5, data: 5 });
      });

      it('keeps at most history.size messages', async () => {
        const { broker } = await start({ size: 3, ttlMs: 60_000 });
        const topic = uniqueTopic();
        for (let i = 1; i <= 7; i++) await broker.publish(topic, i);
        const read = await broker.read(topic, { after: 0 });
        expect(read).toMatchObject({ offset: 7, firstOffset: 5 });
        expect(read.messages.map((m) => m.data)).toEqual([5, 6, 7]);
      });

      it('keeps nothing with history.size 0, and still counts offsets', async () => {
        const { broker } = await start({ size: 0, ttlMs: 60_000 });
        const topic = uniqueTopic();
        await broker.publish(topic, 1);
        expect((await broker.publish(topic, 2)).offset).toBe(2);
        expect(await broker.read(topic, { after: 0 })).toMatchObject({
          offset: 2,
          firstOffset: 3,
          messages: [],
        });
      });

      it('drops messages older than history.ttlMs', async () => {
        const { broker } = await start({ size: 100, ttlMs: 200 });
        const topic = uniqueTopic();
        await broker.publish(topic, 1);
        await broker.publish(topic, 2);
        expect((await broker.read(topic, { after: 0 })).messages).toHaveLength(2);
        await waitFor(
          async () => (await broker.read(topic, { after: 0 })).messages.length === 0,
          5_000,
          'expiry',
        );
        const read = await broker.read(topic, { after: 0 });
        expect(read.firstOffset).toBe(read.offset + 1);
      });
    });

    describe('epoch', () => {
      it('stays the same while the data lives and changes after data loss', async () => {
        const { broker } = await start();
        const topic = uniqueTopic();
        const { epoch } = await broker.publish(topic, 1);
        expect((await broker.read(topic, { after: 0 })).epoch).toBe(epoch);
        expect((await broker.publish(topic, 2)).epoch).toBe(epoch);
        await backend().loseData();
        const { broker: fresh } = await start();
        const after = await fresh.publish(topic, 3);
        expect(after.epoch).not.toBe(epoch);
        expect(after.offset).toBe(1);
        expect((await fresh.read(topic, { after: 0 })).messages.map((m) => m.data)).toEqual([3]);
      });
    });

    describe('#listen / #unlisten', () => {
      it('delivers only while listened, in offset order', async () => {
        const { broker, delivered } = await start();
        const topic = uniqueTopic();
        await broker.publish(topic, 'before');
        await broker.listen(topic);
        await broker.publish(topic, 'during');
        await waitFor(() => offsetsOf(delivered, topic).length === 1, 5_000, 'one delivery');
        await broker.unlisten(topic);
        await broker.publish(topic, 'after');
        await broker.listen(topic);
        const marker = await broker.publish(topic, 'marker');
        await waitFor(() => offsetsOf(delivered, topic).includes(marker.offset), 5_000, 'the marker');
        expect(delivered.filter((m) => m.topic === topic).map((m) => m.data)).toEqual(['during', 'marker']);
      });

      it('keeps delivering until every listen is matched by an unlisten', async () => {
        const { broker, delivered } = await start();
        const topic = uniqueTopic();
        await broker.listen(topic);
        await broker.listen(topic);
        await broker.unlisten(topic);
        await broker.publish(topic, 'still');
        await waitFor(() => offsetsOf(delivered, topic).length === 1, 5_000, 'a delivery');
      });

      it('delivers concurrent publishes once each, in offset order, matching their data', async () => {
        const { broker, delivered } = await start();
        const topic = uniqueTopic();
        await broker.listen(topic);
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => broker.publish(topic, i)));
        await waitFor(() => offsetsOf(delivered, topic).length === 200, 5_000, '200 deliveries');
        expect(offsetsOf(delivered, topic)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        const byOffset = new Map(results.map((r, i) => [r.offset, i]));
        for (const m of delivered) expect(m.data).toBe(byOffset.get(m.offset));
      });
    });
  });
}
