/** Reading and answering the API's fields: topics, keys, data, query integers, failures, bytes. */
import {
  ErrorCode,
  isBinaryPayload,
  isValidTopic,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  topicProblem,
} from '@hubbub/protocol';
import { ApiError, badRequest } from './respond.js';

/** A topic of the request, or 400 `BAD_TOPIC`. */
export function topicOf(value: unknown, field = 'topic'): string {
  if (!isValidTopic(value)) throw new ApiError(400, ErrorCode.BadTopic, `${field}: ${topicProblem(value)}`);
  return value;
}

// The idempotency key grammar of `connect`/`pub` frames and `hub.publish`.
const KEY_RE = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);

/** An idempotency key (optional), or 400. */
export function keyOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !KEY_RE.test(value)) {
    throw badRequest(`key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} of A-Z a-z 0-9 _ -`);
  }
  return value;
}

/** The `data` field (any JSON value), or 400 when absent. */
export function dataOf(body: Record<string, unknown>): unknown {
  if (body.data === undefined) throw badRequest('data is required (any JSON value)');
  return body.data;
}

/** An integer query parameter in `[min, max]` (optional), or 400. */
export function intParam(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** The answer to a failure the caller can act on; undefined for an unexpected error (500). */
export function failureOf(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  // The hub refuses bad input with a TypeError (`hub.publish(): payload …`).
  if (err instanceof TypeError) return badRequest(err.message.replace(/^hub\.\w+\(\): /, ''));
  const code = (err as { code?: unknown } | null)?.code;
  if (code === ErrorCode.Unavailable || code === ErrorCode.OutcomeUnknown) {
    return new ApiError(503, code, (err as Error).message, { 'retry-after': '1' });
  }
  return undefined;
}

/** A message's data for a JSON answer: bytes as base64 with `binary: true`. */
export function toJson(data: unknown): { data: unknown; binary?: true } {
  if (!isBinaryPayload(data)) return { data };
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  return {
    data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    binary: true,
  };
}

/** A user id of the request, or 400. */
export function userIdOf(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 256) {
    throw badRequest('userId must be a string of 1 to 256 characters');
  }
  return value;
}
