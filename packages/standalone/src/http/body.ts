/** Reads a request body as JSON, refusing bodies over a byte limit before they are buffered. */
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@hubbub/protocol';
import { ApiError, badRequest } from './respond.js';

function tooBig(max: number): ApiError {
  // The rest of the body is not read: the connection is closed after the answer.
  return new ApiError(413, ErrorCode.TooBig, `request body is larger than ${max} bytes`, {
    connection: 'close',
  });
}

/** Collects the body, rejecting with 413 past `maxBytes` (by `content-length`, or while reading). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return Promise.reject(tooBig(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        reject(tooBig(maxBytes));
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The body parsed as a JSON object. */
export async function readJsonObject(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const body = await readBody(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('body must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
