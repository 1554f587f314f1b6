/** API key check: `Authorization: Bearer <key>`, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@hubbub/protocol';
import { ApiError } from './respond.js';

// Both sides are hashed first, so the comparison takes the same time whatever the lengths.
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Returns a check that throws a 401 {@link ApiError} unless the request carries `apiKey`. */
export function apiKeyCheck(apiKey: string): (req: IncomingMessage) => void {
  const expected = digest(apiKey);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1] as string), expected)) {
      throw new ApiError(401, ErrorCode.Unauthorized, 'missing or wrong API key', {
        'www-authenticate': 'Bearer realm="hubbub"',
      });
    }
  };
}
