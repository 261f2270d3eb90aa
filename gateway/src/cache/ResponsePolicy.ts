/**
 * How long one response may be kept by the response cache, gathered while it is being built: every
 * exchange answer it uses restricts it (an exchange's `Cache-Control: max-age`, what is left of a cached
 * answer's life, or nothing at all for `no-store` and for an answer fetched while the exchange's
 * catalog version was unknown). Starts unrestricted; the response cache adds its own TTL on top.
 */
export class ResponsePolicy {
  private maxAge = Number.POSITIVE_INFINITY;

  /** Lowers the life of the response to at most `seconds` (0: do not keep it). */
  restrict(seconds: number): void {
    if (seconds < this.maxAge) this.maxAge = Math.max(0, seconds);
  }

  /** The response must not be kept. */
  forbid(): void {
    this.maxAge = 0;
  }

  /** Seconds the response may be kept, capped at `ceiling`: a whole number, 0 when it must not be kept. */
  ttlSeconds(ceiling: number): number {
    return Math.floor(Math.min(ceiling, this.maxAge));
  }
}

/** Seconds an answer with this Cache-Control header may be kept: ∞ without s-maxage or max-age, 0 for no-store/no-cache/private. */
export function maxAgeOf(cacheControl: string | null): number {
  if (!cacheControl) return Number.POSITIVE_INFINITY;
  if (/\b(no-store|no-cache|private)\b/i.test(cacheControl)) return 0;
  // The gateway is a shared cache: s-maxage, when present, wins over max-age (RFC 9111 §5.2.2.10).
  const maxAge = /(?:^|[\s,])s-maxage\s*=\s*"?(\d+)/i.exec(cacheControl) ?? /(?:^|[\s,])max-age\s*=\s*"?(\d+)/i.exec(cacheControl);
  return maxAge ? Number(maxAge[1]) : Number.POSITIVE_INFINITY;
}
