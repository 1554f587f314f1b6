import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBroker } from '../../src/broker/memory.js';
import { brokerContract } from './contract.js';
import { startBroker, uniqueTopic } from './harness.js';

brokerContract('memory', () => ({
  create: () => createMemoryBroker(),
  loseData: async () => {},
}));

describe('MemoryBroker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers synchronously, before publish resolves', async () => {
    const { broker, delivered } = await startBroker(createMemoryBroker());
    const topic = uniqueTopic();
    await broker.listen(topic);
    const pending = broker.publish(topic, 'now');
    expect(delivered.map((m) => m.data)).toEqual(['now']);
    await pending;
    await broker.close();
  });

  it('drops an idle topic once its history expired, and starts a new epoch after', async () => {
    vi.useFakeTimers();
    const broker = createMemoryBroker({ sweepIntervalMs: 1_000 });
    await startBroker(broker, { size: 10, ttlMs: 5_000 }, 5_000);
    const topic = uniqueTopic();
    const first = await broker.publish(topic, 1, 'k');
    vi.advanceTimersByTime(3_000);
    expect((await broker.read(topic, { after: 0 })).epoch).toBe(first.epoch);
    vi.advanceTimersByTime(4_000);
    const later = await broker.publish(topic, 2, 'k');
    expect(later).toMatchObject({ offset: 1, duplicate: false });
    expect(later.epoch).not.toBe(first.epoch);
    await broker.close();
  });

  it('keeps the state of a listened topic after its history expired', async () => {
    vi.useFakeTimers();
    const broker = createMemoryBroker({ sweepIntervalMs: 1_000 });
    await startBroker(broker, { size: 10, ttlMs: 1_000 });
    const topic = uniqueTopic();
    await broker.listen(topic);
    const first = await broker.publish(topic, 1);
    vi.advanceTimersByTime(5_000);
    expect(await broker.publish(topic, 2)).toMatchObject({ epoch: first.epoch, offset: 2 });
    await broker.close();
  });

  it('keeps history across ring wrap-around and expiry', async () => {
    vi.useFakeTimers();
    const broker = createMemoryBroker();
    await startBroker(broker, { size: 4, ttlMs: 1_000 });
    const topic = uniqueTopic();
    for (let i = 1; i <= 6; i++) await broker.publish(topic, i);
    vi.advanceTimersByTime(600);
    for (let i = 7; i <= 9; i++) await broker.publish(topic, i);
    expect((await broker.read(topic, { after: 0 })).messages.map((m) => m.data)).toEqual([6, 7, 8, 9]);
    vi.advanceTimersByTime(500);
    const read = await broker.read(topic, { after: 0 });
    expect(read.messages.map((m) => m.data)).toEqual([7, 8, 9]);
    expect(read.firstOffset).toBe(7);
    await broker.publish(topic, 10);
    await broker.publish(topic, 11);
    expect((await broker.read(topic, { last: 3 })).messages.map((m) => m.data)).toEqual([9, 10, 11]);
    await broker.close();
  });
});
