import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createJwtAuthenticate, type JwtConfig } from '../src/index.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const dir = mkdtempSync(join(tmpdir(), 'hubbub-jwt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sign(
  claims: Record<string, unknown>,
  alg: string,
  key: Parameters<SignJWT['sign']>[0],
  kid?: string,
) {
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

const hs = (claims: Record<string, unknown>) => sign(claims, 'HS256', new TextEncoder().encode(SECRET));
const now = () => Math.floor(Date.now() / 1000);

async function outcome(cfg: JwtConfig, token: string | undefined): Promise<unknown> {
  try {
    return await createJwtAuthenticate(cfg)({ token, request: undefined, refresh: false });
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

describe('#createJwtAuthenticate', () => {
  it('accepts an HS256 token: sub is the userId, exp the expiry, the claims the principal', async () => {
    const exp = now() + 600;
    const result = await outcome({ secret: SECRET }, await hs({ sub: 'alice', exp, role: 'admin' }));
    expect(result).toEqual({
      principal: { sub: 'alice', exp, role: 'admin' },
      userId: 'alice',
      expiresAt: exp * 1000,
    });
  });

  it('accepts a token without exp (no expiry)', async () => {
    expect(await outcome({ secret: SECRET }, await hs({ sub: 'bob' }))).toMatchObject({
      expiresAt: undefined,
    });
  });

  it.each([
    ['an expired token', { sub: 'a', exp: now() - 60 }, {}, 'token expired'],
    ['a wrong audience', { sub: 'a', aud: 'billing' }, { audience: 'chat' }, 'token claim "aud" refused'],
    ['a missing audience', { sub: 'a' }, { audience: 'chat' }, 'token claim "aud" refused'],
    [
      'a wrong issuer',
      { sub: 'a', iss: 'evil' },
      { issuer: 'https://idp.example' },
      'token claim "iss" refused',
    ],
    ['a token without sub', { exp: now() + 60 }, {}, 'token has no "sub" claim'],
  ])('refuses %s', async (_what, claims, extra, reason) => {
    expect(await outcome({ secret: SECRET, ...extra }, await hs(claims))).toEqual({ refused: reason });
  });

  it('refuses a token signed with another secret, garbage, and no token, without echoing the token', async () => {
    const forged = await sign({ sub: 'a' }, 'HS256', new TextEncoder().encode('x'.repeat(40)));
    expect(await outcome({ secret: SECRET }, forged)).toEqual({ refused: 'invalid token' });
    expect(await outcome({ secret: SECRET }, 'not.a.jwt')).toEqual({ refused: 'invalid token' });
    expect(await outcome({ secret: SECRET }, undefined)).toEqual({ refused: 'token required' });
  });

  it('verifies RS256 with a PEM public key (inline or from a file), and refuses HS256 tokens then', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const token = await sign({ sub: 'carol', aud: 'chat' }, 'RS256', privateKey);
    expect(await outcome({ publicKey: pem, audience: 'chat' }, token)).toMatchObject({ userId: 'carol' });
    const path = join(dir, 'rs.pem');
    writeFileSync(path, pem);
    expect(await outcome({ publicKeyFile: path, audience: 'chat' }, token)).toMatchObject({
      userId: 'carol',
    });
    expect(await outcome({ publicKey: pem }, await hs({ sub: 'carol' }))).toEqual({
      refused: 'invalid token',
    });
    expect(await outcome({ publicKey: pem, audience: 'billing' }, token)).toEqual({
      refused: 'token claim "aud" refused',
    });
  });

  it('verifies ES256 through a JWKS file, picking the key by kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const path = join(dir, 'jwks.json');
    writeFileSync(
      path,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }),
    );
    const token = await sign({ sub: 'dan' }, 'ES256', privateKey, 'k1');
    expect(await outcome({ jwksFile: path }, token)).toMatchObject({ userId: 'dan' });
  });

  it('verifies RS256 through a JWKS URL, fetched from a loopback server', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'r1', alg: 'RS256' }] });
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cfg = { jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` };
      const token = await sign({ sub: 'erin' }, 'RS256', privateKey, 'r1');
      expect(await outcome(cfg, token)).toMatchObject({ userId: 'erin' });
      const other = await generateKeyPair('RS256');
      expect(await outcome(cfg, await sign({ sub: 'erin' }, 'RS256', other.privateKey, 'r1'))).toEqual({
        refused: 'invalid token',
      });
      expect(fetched).toBeGreaterThanOrEqual(1);
    } finally {
      server.close();
    }
  });

  it('throws a ConfigError naming the field when a key cannot be used', () => {
    const field = (cfg: JwtConfig) => {
      try {
        createJwtAuthenticate(cfg);
      } catch (err) {
        return err instanceof ConfigError ? err.field : err;
      }
      return 'accepted';
    };
    expect(field({ publicKeyFile: join(dir, 'absent.pem') })).toBe('jwt.publicKeyFile');
    expect(field({ publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })).toBe(
      'jwt.publicKey',
    );
    writeFileSync(join(dir, 'bad.json'), '{"keys": 3}');
    expect(field({ jwksFile: join(dir, 'bad.json') })).toBe('jwt.jwksFile');
  });
});
