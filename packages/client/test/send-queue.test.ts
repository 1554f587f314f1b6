import type { EncodedFrame } from '@hubbub/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAIN_POLL_MS, SendQueue } from '../src/send-queue.js';

/** Stands in for a socket's buffer only: records sends and lets the test set bufferedAmount. */
class Sink {
  sent: EncodedFrame[] = [];
  bufferedAmount = 0;
  send(frame: EncodedFrame): void {
    this.sent.push(frame);
  }
}

const frames = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `f${from + i}`);

describe('SendQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds frames while detached and sends them in order once attached', () => {
    const q = new SendQueue(1024);
    for (const f of frames(5)) q.push({ frame: f });
    expect(q.length).toBe(5);
    const sink = new Sink();
    q.attach(sink, 0, 1);
    expect(sink.sent).toEqual(frames(5));
    expect(q.length).toBe(0);
  });

  it('calls onSent once the frame was handed to the socket', () => {
    const q = new SendQueue(1024);
    const onSent = vi.fn();
    q.push({ frame: 'a', onSent });
    expect(onSent).not.toHaveBeenCalled();
    q.attach(new Sink(), 0, 1);
    expect(onSent).toHaveBeenCalledTimes(1);
  });

  it('holds while bufferedAmount is at the high-water mark and resumes as it drains', () => {
    const q = new SendQueue(100);
    const sink = new Sink();
    sink.bufferedAmount = 100;
    q.attach(sink, 0, 1);
    for (const f of frames(3)) q.push({ frame: f });
    vi.advanceTimersByTime(DRAIN_POLL_MS * 10);
    expect(sink.sent).toEqual([]);
    expect(q.length).toBe(3);
    sink.bufferedAmount = 99;
    vi.advanceTimersByTime(DRAIN_POLL_MS);
    expect(sink.sent).toEqual(frames(3));
  });

  it('stops mid-batch when the buffer fills up', () => {
    const q = new SendQueue(30);
    const sink = new Sink();
    sink.send = function (frame) {
      this.sent.push(frame);
      this.bufferedAmount += 10;
    };
    q.attach(sink, 0, 1);
    for (const f of frames(10)) q.push({ frame: f });
    expect(sink.sent).toEqual(frames(3));
    sink.bufferedAmount = 0;
    vi.advanceTimersByTime(DRAIN_POLL_MS);
    expect(sink.sent).toEqual(frames(6));
  });

  it('paces to the rate after the burst', () => {
    const q = new SendQueue(1 << 20);
    const sink = new Sink();
    q.attach(sink, 10, 3);
    for (const f of frames(13)) q.push({ frame: f });
    expect(sink.sent.length).toBe(3);
    vi.advanceTimersByTime(500);
    expect(sink.sent.length).toBe(8);
    vi.advanceTimersByTime(500);
    expect(sink.sent).toEqual(frames(13));
  });

  it('never sends more than burst + rate·t frames in any run', () => {
    const q = new SendQueue(1 << 20);
    const sink = new Sink();
    q.attach(sink, 50, 5);
    for (const f of frames(200)) q.push({ frame: f });
    for (let t = 100; t <= 2000; t += 100) {
      vi.advanceTimersByTime(100);
      expect(sink.sent.length).toBeLessThanOrEqual(5 + (50 * t) / 1000);
    }
    expect(sink.sent).toEqual(frames(105));
  });

  it('sends frames refused for the rate again first, in order, after backing off a token each', () => {
    const q = new SendQueue(1 << 20);
    const sink = new Sink();
    q.attach(sink, 10, 3);
    for (const f of frames(6)) q.push({ frame: f });
    expect(sink.sent).toEqual(frames(3));
    q.backOff();
    q.retry({ frame: 'f1' });
    q.backOff();
    q.retry({ frame: 'f2' });
    expect(q.length).toBe(5);
    // The bucket is empty and owes two tokens: nothing for 300 ms at 10/s.
    vi.advanceTimersByTime(299);
    expect(sink.sent.length).toBe(3);
    vi.advanceTimersByTime(1);
    expect(sink.sent).toEqual([...frames(3), 'f1']);
    vi.advanceTimersByTime(400);
    expect(sink.sent).toEqual([...frames(3), 'f1', 'f2', 'f3', 'f4', 'f5']);
  });

  it('detach stops sending and keeps waiting frames; clear drops them', () => {
    const q = new SendQueue(1 << 20);
    const sink = new Sink();
    q.attach(sink, 1, 1);
    for (const f of frames(3)) q.push({ frame: f });
    q.detach();
    vi.advanceTimersByTime(10_000);
    expect(sink.sent).toEqual(['f0']);
    expect(q.length).toBe(2);
    q.clear();
    expect(q.length).toBe(0);
  });

  it('stays ordered across many pushes and drains (compaction)', () => {
    const q = new SendQueue(1 << 20);
    const sink = new Sink();
    q.attach(sink, 1000, 100);
    for (const f of frames(5000)) q.push({ frame: f });
    vi.advanceTimersByTime(10_000);
    expect(sink.sent).toEqual(frames(5000));
  });

  it('reports the attached socket bufferedAmount', () => {
    const q = new SendQueue(10);
    expect(q.bufferedAmount).toBe(0);
    const sink = new Sink();
    sink.bufferedAmount = 42;
    q.attach(sink, 0, 1);
    expect(q.bufferedAmount).toBe(42);
  });
});
