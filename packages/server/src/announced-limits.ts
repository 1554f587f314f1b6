import type { AnnouncedLimits } from '@hubbub/protocol';
import type { ResolvedOptions } from './options.js';

/** Keeps `value` when it is finite: JSON has no Infinity, and a missing limit means "none". */
function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

/** A limit `welcome` always carries: "none" (Infinity) is sent as the largest safe integer. */
function bounded(value: number): number {
  return Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER;
}

/**
 * The limits `welcome` announces: every limit a client can act on, so a client written from
 * PROTOCOL.md alone needs no out-of-band configuration (issue #10, must-do 4). Optional limits
 * that are not finite are left out; the four every client reads are sent as 2^53 - 1 instead.
 */
export function announcedLimits(options: ResolvedOptions): AnnouncedLimits {
  const l = options.limits;
  const optional = {
    connectTimeoutMs: finite(l.connectTimeoutMs),
    heartbeatTimeoutMs: finite(options.heartbeat.timeoutMs),
    tokenGraceMs: finite(options.tokenGraceMs),
    maxMalformedFrames: finite(l.maxMalformedFrames),
    maxRateLimitStrikes: finite(l.maxRateLimitStrikes),
    idempotencyTtlMs: finite(options.idempotencyTtlMs),
  };
  const { size, ttlMs } = options.history;
  return {
    maxPayloadBytes: bounded(l.maxPayloadBytes),
    publishRate: bounded(l.publishRate),
    publishBurst: bounded(l.publishBurst),
    maxSubscriptions: bounded(l.maxSubscriptions),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...(Number.isFinite(size) && Number.isFinite(ttlMs) && { history: { size, ttlMs } }),
  };
}
