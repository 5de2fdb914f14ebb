import { createHash, createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError, unauthenticated } from '../../lib/errors.js';
import type { Actor } from '../../lib/context.js';

export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const SESSION_DAYS = 30;
const ISSUER = 'cohort';
const AUDIENCE = 'cohort-api';
/**
 * The token kind (RFC 8725 §3.11, the media type of RFC 9068): only an access token is accepted as
 * one, so no other JWT signed with the same key (a future e-mail link, an export URL) can pass for it.
 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Claims an access token must carry; one without an expiry (or any of these) is refused. */
const REQUIRED_CLAIMS = ['exp', 'iat', 'iss', 'aud', 'sub', 'jti', 'sid'];

export interface AccessClaims {
  userId: string;
  role: Actor['role'];
  sessionId: string;
}

// jose would import the raw secret into WebCrypto on every call (a measurable share of each request): import it once.
const importedKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
const hmacKey = (secret: Uint8Array) => {
  let key = importedKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    importedKeys.set(secret, key);
  }
  return key;
};

export async function signAccessToken(key: Uint8Array, claims: AccessClaims) {
  return new SignJWT({ role: claims.role, sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.userId)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
    .sign(await hmacKey(key));
}

/**
 * Tokens already verified, by their exact text (per signing key): a client sends the same access
 * token with every request for up to 15 minutes, and checking its HMAC through WebCrypto costs more
 * CPU than the rest of a hot read. Identical text carries the identical signature, so a hit needs no
 * second check; only the expiry is looked at again (the session check happens in the caller, always).
 * Oldest entries go first once the bound is reached.
 */
const VERIFIED_TOKENS_MAX = 10_000;
const CLOCK_TOLERANCE_SECONDS = 5;
const verifiedTokens = new WeakMap<Uint8Array, Map<string, { claims: AccessClaims; exp: number }>>();

const expired = () => new AppError(401, 'token_expired', 'The access token has expired');

/**
 * Checks signature (HS256 only), kind, issuer, audience, that every required claim is there, that it
 * was issued in the past and lives no longer than an access token does; the session check happens in the caller.
 */
export async function verifyAccessToken(key: Uint8Array, token: string): Promise<AccessClaims> {
  let known = verifiedTokens.get(key);
  if (!known) verifiedTokens.set(key, (known = new Map()));
  const hit = known.get(token);
  if (hit) {
    // The same test jose makes: expired once `exp` is more than the tolerance in the past.
    if (hit.exp > Date.now() / 1000 - CLOCK_TOLERANCE_SECONDS) return hit.claims;
    known.delete(token);
    throw expired();
  }
  const { claims, exp } = await verifyWithJose(key, token);
  if (known.size >= VERIFIED_TOKENS_MAX) known.delete(known.keys().next().value!);
  known.set(token, { claims, exp });
  return claims;
}

async function verifyWithJose(key: Uint8Array, token: string) {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(key), {
      algorithms: ['HS256'],
      typ: ACCESS_TOKEN_TYPE,
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: REQUIRED_CLAIMS,
      maxTokenAge: ACCESS_TOKEN_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || payload.exp - payload.iat > ACCESS_TOKEN_SECONDS) {
      throw unauthenticated('Invalid access token');
    }
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw unauthenticated('Invalid access token');
    const claims: AccessClaims = { userId: payload.sub, sessionId: payload.sid, role: payload.role as Actor['role'] };
    return { claims, exp: payload.exp };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw expired();
    if (err instanceof AppError) throw err;
    throw unauthenticated('Invalid access token');
  }
}

export const newOpaqueToken = () => randomBytes(32).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const newOtp = () => String(randomInt(0, 1_000_000)).padStart(6, '0');
/** A 6-digit code has little entropy: keyed with the server secret so a leaked table cannot be brute-forced offline. */
export const hashOtp = (key: Uint8Array, userId: string, code: string) =>
  createHmac('sha256', key).update(`${userId}:${code}`).digest('hex');
