/** Version of the wire format this build speaks. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** `Sec-WebSocket-Protocol` value a client offers and a server selects. */
export const SUBPROTOCOL = `hubbub.v${PROTOCOL_VERSION}` as const;

/** Longest topic name, in characters (all allowed characters are ASCII, so also bytes). */
export const MAX_TOPIC_LENGTH = 128;

/** Request ids are non-negative integers up to this value (fits an int32 on every platform). */
export const MAX_REQUEST_ID = 0x7fff_ffff;

/** Longest idempotency key, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 64;

/** Longest token accepted in `connect` / `refresh`, in characters. */
export const MAX_TOKEN_LENGTH = 8192;

/** Longest epoch string. */
export const MAX_EPOCH_LENGTH = 64;

/** Most messages a subscriber may ask to receive from history when it subscribes without a position. */
export const MAX_LAST = 10_000;

/** First byte of every binary frame; lets a decoder reject stray binary data early. */
export const BINARY_MAGIC = 0xb1;

/** Close reasons are capped to this many bytes (RFC 6455 allows 123 in a control frame). */
export const MAX_CLOSE_REASON_BYTES = 123;
