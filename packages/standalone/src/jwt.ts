/** Token verification with `jose`: HS256 secret, PEM public key, or a JSON Web Key Set. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuthenticateHook } from '@hubbub/server';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { ConfigError } from './config/errors.js';
import type { JwtConfig } from './config/types.js';

type Key = Uint8Array | KeyObject | JWTVerifyGetKey;

/** What a verified token authenticates as. */
export interface JwtIdentity {
  /** The token's claims. */
  readonly principal: JWTPayload;
  /** The `sub` claim. */
  readonly userId: string;
  /** `exp`, in epoch ms, when the token has one. */
  readonly expiresAt: number | undefined;
  /** The `info` claim, shown to other members of presence-enabled topics. */
  readonly info?: unknown;
}

function read(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

function publicKey(pem: string, field: string): { key: KeyObject; algorithms: string[] } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new ConfigError(field, `not a usable PEM public key: ${(err as Error).message}`);
  }
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { key, algorithms: ['RS256'] };
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const alg = curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256';
      return { key, algorithms: [alg] };
    }
    case 'ed25519':
      return { key, algorithms: ['EdDSA'] };
    default:
      throw new ConfigError(field, `unsupported key type ${key.asymmetricKeyType}: use RSA, EC or Ed25519`);
  }
}

function jwks(text: string, field: string): JWTVerifyGetKey {
  try {
    return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
  } catch (err) {
    throw new ConfigError(field, `not a JSON Web Key Set: ${(err as Error).message}`);
  }
}

function keyOf(cfg: JwtConfig): { key: Key; algorithms: string[] } {
  if (cfg.secret !== undefined) return { key: new TextEncoder().encode(cfg.secret), algorithms: ['HS256'] };
  if (cfg.publicKey !== undefined) return publicKey(cfg.publicKey, 'jwt.publicKey');
  if (cfg.publicKeyFile !== undefined) {
    return publicKey(read(cfg.publicKeyFile, 'jwt.publicKeyFile'), 'jwt.publicKeyFile');
  }
  if (cfg.jwksFile !== undefined) {
    return { key: jwks(read(cfg.jwksFile, 'jwt.jwksFile'), 'jwt.jwksFile'), algorithms: ['RS256', 'ES256'] };
  }
  if (cfg.jwksUrl !== undefined) {
    return { key: createRemoteJWKSet(new URL(cfg.jwksUrl)), algorithms: ['RS256', 'ES256'] };
  }
  throw new ConfigError('jwt', 'needs a secret, a public key or a JWKS');
}

/** A close reason that says what was wrong without echoing anything from the token. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" refused`;
  return 'invalid token';
}

/**
 * Verifies a token. Resolves with the identity it carries; rejects with an `Error` whose message
 * is fit for a close reason (it never contains the token).
 */
export type JwtVerifier = (token: string) => Promise<JwtIdentity>;

/**
 * Builds a verifier from the `jwt` config. Throws {@link ConfigError} when a key cannot be read or
 * parsed, so a bad key stops the server at start rather than at the first connection.
 */
export function createJwtVerifier(cfg: JwtConfig): JwtVerifier {
  const { key, algorithms: defaults } = keyOf(cfg);
  const options = {
    algorithms: cfg.algorithms ? [...cfg.algorithms] : defaults,
    audience: cfg.audience as string | string[] | undefined,
    issuer: cfg.issuer as string | string[] | undefined,
    clockTolerance: cfg.clockToleranceSec ?? 0,
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      // jwtVerify is overloaded by key kind; the union is narrowed here for the compiler only.
      payload = (await jwtVerify(token, key as Uint8Array, options)).payload;
    } catch (err) {
      throw new Error(reasonOf(err));
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('token has no "sub" claim');
    return {
      principal: payload,
      userId: payload.sub,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      ...(payload.info !== undefined && { info: payload.info }),
    };
  };
}

/**
 * An `authenticate` hook for the server SDK: the token of the `connect` (or `refresh`) frame is
 * verified; `sub` becomes the `userId`, `exp` the expiry, the claims the principal.
 */
export function createJwtAuthenticate(cfg: JwtConfig): AuthenticateHook {
  const verify = createJwtVerifier(cfg);
  return async ({ token }) => {
    if (token === undefined || token === '') throw new Error('token required');
    return verify(token);
  };
}
