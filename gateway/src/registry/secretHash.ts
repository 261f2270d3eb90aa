import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets the gateway hands out (exchange tokens, researcher API keys) are stored only as a SHA-256 and
 * compared in constant time: a copy of the store does not give anyone a working secret.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** 24 random bytes (192 bits): too many to guess, even without the admin limit on failed attempts. */
export function randomSecret(): string {
  return randomBytes(24).toString('base64url');
}
