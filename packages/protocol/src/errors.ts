import type { CloseCode, ErrorCode } from './codes.js';

/**
 * A frame that breaks the protocol. `code` is the error code for an `error` frame; `closeCode`
 * is the close code to use when the frame cannot be answered with an error frame alone.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ErrorCode;
  readonly closeCode: CloseCode;
  /** Request id of the offending frame, when it could be read. */
  readonly id: number | undefined;

  // Literal defaults (ErrorCode.BadRequest, CloseCode.BadRequest): the code tables stay out of
  // bundles that only throw or catch ProtocolErrors.
  constructor(message: string, code: ErrorCode = 'BAD_REQUEST', closeCode: CloseCode = 4400, id?: number) {
    super(message);
    this.code = code;
    this.closeCode = closeCode;
    this.id = id;
  }
}

/** Cuts a close reason to what fits in a close frame, on a UTF-8 character boundary. */
export function limitCloseReason(reason: string, maxBytes = 123): string {
  if (reason.length * 3 <= maxBytes) return reason;
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= maxBytes) return reason;
  let end = maxBytes;
  // Step back over UTF-8 continuation bytes so no character is cut in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}
