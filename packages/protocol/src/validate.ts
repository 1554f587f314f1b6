import { ErrorCode } from './codes.js';
import {
  MAX_EPOCH_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_LAST,
  MAX_REQUEST_ID,
  MAX_TOKEN_LENGTH,
} from './constants.js';
import { ProtocolError } from './errors.js';
import type { Position } from './messages.js';
import { methodProblem } from './methods.js';
import { topicProblem } from './topics.js';

/** A decoded JSON object, read field by field. */
export type Fields = Record<string, unknown>;

const KEY_RE = /^[A-Za-z0-9_-]+$/;

export function isPlainObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isUint(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

function fail(type: string, message: string, id?: number, code: ErrorCode = ErrorCode.BadRequest): never {
  throw new ProtocolError(`${type}: ${message}`, code, undefined, id);
}

/** Reads the request id: required, a non-negative integer up to MAX_REQUEST_ID. */
export function readId(type: string, o: Fields): number {
  const id = o.id;
  if (id === undefined) fail(type, 'missing field "id"');
  if (!isUint(id, MAX_REQUEST_ID)) fail(type, `"id" must be an integer from 0 to ${MAX_REQUEST_ID}`);
  return id;
}

/**
 * Reads the topic. A missing topic or one that is not a string is a malformed frame
 * (`BAD_REQUEST`, like every field of the wrong JSON type); a string that breaks the grammar is
 * `BAD_TOPIC`.
 */
export function readTopic(type: string, o: Fields, id?: number): string {
  const topic = readString(type, o, 'topic', Number.MAX_SAFE_INTEGER, id);
  const problem = topicProblem(topic);
  if (problem) fail(type, problem, id, ErrorCode.BadTopic);
  return topic;
}

export function readString(type: string, o: Fields, field: string, max: number, id?: number): string {
  const v = o[field];
  if (v === undefined) fail(type, `missing field "${field}"`, id);
  if (typeof v !== 'string') fail(type, `"${field}" must be a string`, id);
  if (v.length > max) fail(type, `"${field}" is longer than ${max} characters`, id);
  return v;
}

export function readOptionalString(type: string, o: Fields, field: string, max: number, id?: number) {
  return o[field] === undefined ? undefined : readString(type, o, field, max, id);
}

export function readToken(type: string, o: Fields, id?: number, required = false): string | undefined {
  if (!required && o.token === undefined) return undefined;
  return readString(type, o, 'token', MAX_TOKEN_LENGTH, id);
}

/** Reads an optional key-like field (`key`, `client`): 1–64 of `A-Z a-z 0-9 _ -`. */
export function readKey(type: string, o: Fields, id: number | undefined, field = 'key'): string | undefined {
  const key = readOptionalString(type, o, field, MAX_IDEMPOTENCY_KEY_LENGTH, id);
  if (key !== undefined && !KEY_RE.test(key))
    fail(type, `"${field}" must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} of letters, digits, _ and -`, id);
  return key;
}

export function readPosition(type: string, value: unknown, field: string, id?: number): Position {
  if (!isPlainObject(value)) fail(type, `"${field}" must be an object { epoch, offset }`, id);
  const { epoch, offset } = value;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > MAX_EPOCH_LENGTH) {
    fail(type, `"${field}.epoch" must be a non-empty string of at most ${MAX_EPOCH_LENGTH} characters`, id);
  }
  if (!isUint(offset)) fail(type, `"${field}.offset" must be a non-negative integer`, id);
  return { epoch, offset };
}

export function readLast(type: string, o: Fields, id: number): number | undefined {
  if (o.last === undefined) return undefined;
  if (!isUint(o.last, MAX_LAST)) fail(type, `"last" must be an integer from 0 to ${MAX_LAST}`, id);
  return o.last;
}

export function requireData(type: string, o: Fields, id?: number): unknown {
  if (!('data' in o) || o.data === undefined) fail(type, 'missing field "data"', id);
  return o.data;
}

/** Reads a call's method name: required, in the topic grammar. */
export function readMethod(type: string, o: Fields, id: number): string {
  if (o.method === undefined) fail(type, 'missing field "method"', id);
  const problem = methodProblem(o.method);
  if (problem) fail(type, problem, id);
  return o.method as string;
}
