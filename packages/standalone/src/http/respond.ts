/** JSON answers and errors of the HTTP API. */
import type { ServerResponse } from 'node:http';
import { ErrorCode } from '@hubbub/protocol';

/** A request the API refuses: HTTP status plus one of the protocol's error codes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** 400 with `BAD_REQUEST`. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, ErrorCode.BadRequest, message);
}

/** Writes `body` as JSON with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Writes `{ "error": { "code", "message" } }`. */
export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}
