/**
 * Access tokens: short-lived HS256 JWTs signed and verified with `jose`. The subject is the user
 * id; nothing else is trusted from the token.
 */
import { jwtVerify, SignJWT } from 'jose';

/** Issuer and audience pin tokens to this service. */
export const ISSUER = 'hubbub-example-node-service';
export const AUDIENCE = 'hubbub';

/** User ids are short lowercase slugs, so `user.<id>` is always a valid topic. */
export const USER_ID_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * HMAC key from a secret. The development default is for local runs only.
 * @param {string | undefined} secret at least 32 characters
 * @returns {Uint8Array}
 */
export function signingKey(secret) {
  const text = secret ?? 'dev-only-secret-change-me-0123456789abcdef';
  if (text.length < 32) throw new TypeError('the JWT secret must be at least 32 characters');
  return new TextEncoder().encode(text);
}

/**
 * Issues a token for `userId`, valid for `ttlSec` seconds.
 * @param {string} userId
 * @param {Uint8Array} key
 * @param {number} ttlSec
 * @returns {Promise<{ token: string, expiresAt: number }>}
 */
export async function issueToken(userId, key, ttlSec) {
  if (!USER_ID_RE.test(userId)) throw new TypeError('invalid user id');
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSec)
    .sign(key);
  return { token, expiresAt: (now + ttlSec) * 1000 };
}

/**
 * Verifies a token: signature, algorithm, issuer, audience and expiry. Throws when any fails.
 * @param {string} token
 * @param {Uint8Array} key
 * @returns {Promise<{ userId: string, expiresAt: number }>}
 */
export async function verifyToken(token, key) {
  const { payload } = await jwtVerify(token, key, {
    algorithms: ['HS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  if (typeof payload.sub !== 'string' || !USER_ID_RE.test(payload.sub) || typeof payload.exp !== 'number') {
    throw new Error('token lacks a valid subject or expiry');
  }
  return { userId: payload.sub, expiresAt: payload.exp * 1000 };
}
