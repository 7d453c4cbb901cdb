// JWT authentication with jsonwebtoken. Verification is pinned to the configured algorithm, issuer
// and audience, so `alg: none`, another algorithm, a foreign token or an expired one is refused.
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { RequestHandler } from 'express';
import type { Config } from '../platform/config';
import { HttpError } from './problem';

export type Role = 'customer' | 'admin';
export interface Principal {
  customerId: string;
  role: Role;
  /** When the token that authenticated this request expires (ms since epoch); long-lived streams close then. */
  expiresAt?: number;
}

declare module 'express-serve-static-core' {
  interface Request { principal?: Principal; id?: string }
}

type JwtConfig = Pick<Config, 'JWT_SECRET' | 'JWT_ALGORITHM' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_TTL'>;

// jsonwebtoken, given a string, first tries it as a public key on every call (a measured ~0.3 ms of
// CPU per request); a secret KeyObject built once skips that.
const keys = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

export function issueToken(config: JwtConfig, principal: Principal): { accessToken: string; tokenType: 'Bearer'; expiresIn: number } {
  const expiresIn = Math.floor(config.JWT_TTL / 1000);
  const accessToken = jwt.sign({ role: principal.role }, hmacKey(config.JWT_SECRET), {
    algorithm: config.JWT_ALGORITHM, subject: principal.customerId, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, expiresIn,
  });
  return { accessToken, tokenType: 'Bearer', expiresIn };
}

const unauthenticated = (why: string) => new HttpError(401, 'UNAUTHENTICATED', why);

/**
 * Tokens that passed verification, by their exact text, with what they prove. A client sends the
 * same token on every request, and verifying it again (HMAC, base64url and JSON decoding, claim
 * checks) was ~10–40 µs of CPU on each (bench/read-path.micro.ts). Only verified tokens enter, so
 * forged or malformed ones are checked in full every time; a hit counts only while the token has
 * not expired, by jsonwebtoken's own rule (whole seconds: expired from `exp` on), after which it is
 * verified again and refused as expired. `nbf`, once passed, stays passed. Bounded: the least
 * recently used token goes first. One cache per configuration object (its secret, issuer, audience).
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; exp: number }>();
  constructor(private readonly max: number) {}

  get(token: string): Principal | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    this.entries.delete(token);
    if (Math.floor(Date.now() / 1000) >= hit.exp) return undefined;
    this.entries.set(token, hit);
    return hit.principal;
  }

  set(token: string, principal: Principal, exp: number): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { principal, exp });
  }
}

export const VERIFIED_TOKENS_MAX = 10_000;
const verified = new WeakMap<JwtConfig, VerifiedTokens>();

export function verifyToken(config: JwtConfig, token: string): Principal {
  let cache = verified.get(config);
  if (!cache) verified.set(config, (cache = new VerifiedTokens(VERIFIED_TOKENS_MAX)));
  const known = cache.get(token);
  if (known) return known;
  let claims: jwt.JwtPayload | string;
  try {
    claims = jwt.verify(token, hmacKey(config.JWT_SECRET), {
      algorithms: [config.JWT_ALGORITHM], issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE,
    });
  } catch (error) {
    throw unauthenticated(error instanceof jwt.TokenExpiredError ? 'the access token has expired' : 'the access token is invalid');
  }
  if (typeof claims === 'string' || typeof claims.sub !== 'string' || !claims.sub || typeof claims.exp !== 'number') {
    throw unauthenticated('the access token lacks required claims');
  }
  if (claims.role !== 'customer' && claims.role !== 'admin') throw unauthenticated('the access token has an unknown role');
  // Shared by every request that presents this token: frozen, so no request can change another's.
  const principal: Principal = Object.freeze({ customerId: claims.sub, role: claims.role, expiresAt: claims.exp * 1000 });
  cache.set(token, principal, claims.exp);
  return principal;
}

export function authenticate(config: JwtConfig, ...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 §11.1); what follows it is the token, checked below.
    const credentials = header ? /^bearer +(\S*) *$/i.exec(header)?.[1] : undefined;
    if (credentials === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return next(unauthenticated(header ? 'the Authorization header is not a Bearer token' : 'an access token is required'));
    }
    try {
      if (!/^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*\.[A-Za-z0-9\-_=+/]*$/.test(credentials)) throw unauthenticated('the access token is invalid');
      req.principal = verifyToken(config, credentials);
    } catch (error) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(error);
    }
    if (roles.length > 0 && !roles.includes(req.principal.role)) {
      return next(new HttpError(403, 'FORBIDDEN', `this needs the ${roles.join(' or ')} role`));
    }
    next();
  };
}
