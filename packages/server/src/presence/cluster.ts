import { CloseCode, isValidTopic, topicProblem } from '@hubbub/protocol';
import type { Broker, ControlReply, ControlRequest, UserConnection } from '../broker/broker.js';
import { checkKnownKeys } from '../options.js';

/** Options of `disconnectUser`. */
export interface DisconnectUserOptions {
  /**
   * Close code: `CloseCode.Revoked` (4410) ends the user's clients for good (they do not
   * reconnect); `CloseCode.Kicked` (4409) closes them and they reconnect (with a fresh token).
   * Any 4000–4999 code, or 1000, is allowed.
   * @default CloseCode.Revoked // 4410
   */
  readonly code?: number;
  /**
   * Close reason (cut to 123 bytes).
   * @default 'revoked' for 4410, 'kicked' for 4409, '' otherwise
   */
  readonly reason?: string;
  /**
   * How long to wait for every instance's answer, in ms; instances that do not answer in time are
   * not counted (their connections may still be closed).
   * @default 2_000
   */
  readonly timeoutMs?: number;
}

/** Options of `connectionsOf`. */
export interface ConnectionsOfOptions {
  /**
   * How long to wait for every instance's answer, in ms.
   * @default 2_000
   */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

function checkUserId(where: string, userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0)
    throw new TypeError(`${where}: userId must be a non-empty string`);
}

function checkTimeout(where: string, timeoutMs: unknown): number {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
    throw new TypeError(`${where}: timeoutMs must be a positive number`);
  return timeoutMs;
}

/** Checks `disconnectUser`'s arguments and builds its request; a `TypeError` names the bad one. */
export function disconnectRequest(
  where: string,
  userId: unknown,
  options: DisconnectUserOptions = {},
): { request: ControlRequest; timeoutMs: number } {
  checkUserId(where, userId);
  checkKnownKeys(`${where} options`, options, ['code', 'reason', 'timeoutMs']);
  const code = options.code ?? CloseCode.Revoked;
  if (!Number.isInteger(code) || !(code === 1000 || (code >= 4000 && code <= 4999))) {
    throw new TypeError(`${where}: code must be 1000 or from 4000 to 4999`);
  }
  const reason =
    options.reason ?? (code === CloseCode.Revoked ? 'revoked' : code === CloseCode.Kicked ? 'kicked' : '');
  if (typeof reason !== 'string') throw new TypeError(`${where}: reason must be a string`);
  return {
    request: { type: 'disconnect', userId, code, reason },
    timeoutMs: checkTimeout(where, options.timeoutMs),
  };
}

/** Checks `connectionsOf`'s arguments and builds its request. */
export function connectionsRequest(
  where: string,
  userId: unknown,
  options: ConnectionsOfOptions = {},
): { request: ControlRequest; timeoutMs: number } {
  checkUserId(where, userId);
  checkKnownKeys(`${where} options`, options, ['timeoutMs']);
  return { request: { type: 'connections', userId }, timeoutMs: checkTimeout(where, options.timeoutMs) };
}

/** Runs a control request through the broker, on every instance. */
export function runControl(
  broker: Broker,
  request: ControlRequest,
  timeoutMs: number,
): Promise<ControlReply> {
  if (!broker.control) throw new TypeError('this broker cannot reach other instances (no control())');
  return broker.control(request, timeoutMs);
}

/** Checks a topic given to `hub.presence` / `hub.presenceStats`. */
export function checkPresenceTopic(
  where: string,
  topic: unknown,
  enabled: (topic: string) => boolean,
): string {
  if (!isValidTopic(topic)) throw new TypeError(`${where}: ${topicProblem(topic)}`);
  if (!enabled(topic))
    throw new TypeError(`${where}: "${topic}" has no presence (see the "presence" option)`);
  return topic;
}

export type { UserConnection };
