import type { AnnouncedLimits } from '@hubbub/protocol';
import type { ResolvedOptions } from './options.js';

/** Keeps `value` when it is finite: JSON has no Infinity, and a missing limit means "none". */
function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The limits `welcome` announces: every limit a client can act on, so a client written from
 * PROTOCOL.md alone needs no out-of-band configuration (issue #10, must-do 4). Limits that are
 * not finite are left out.
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
    maxPayloadBytes: l.maxPayloadBytes,
    publishRate: l.publishRate,
    publishBurst: l.publishBurst,
    maxSubscriptions: l.maxSubscriptions,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...(Number.isFinite(size) && Number.isFinite(ttlMs) && { history: { size, ttlMs } }),
  };
}
