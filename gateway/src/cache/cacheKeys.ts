import { createHash } from 'node:crypto';

/**
 * Cache keys, and why invalidation needs no deletes.
 *
 * A shard-fetch or entity key holds everything its answer depends on: the exchange, the catalog version
 * the exchange reports, the gateway's own epoch for that exchange (bumped by
 * `POST /admin/exchanges/:id/invalidate`), and a hash of the operation and its variables. When either
 * version moves, every new request builds new keys, so the old entries are never read again and expire
 * by their TTL; nothing scans or deletes (no KEYS). The epoch is read per request; when it cannot be read
 * (`readVersion` gives null) the caller must bypass the cache rather than guess, or it could read entries
 * that a bump on another replica has already retired.
 *
 * Every key of one exchange carries the hash tag `{exchange:<id>}`, epoch included. In a Redis Cluster
 * they all live in one slot, so a batch of one exchange's entities is one MGET, and the epoch and the
 * entries it guards are lost or kept together (a node that restarts empty cannot leave old entries that a
 * reset epoch would make reachable again). The price: one exchange's entries sit on one node; the cache
 * spreads across nodes by exchange, not by key.
 */

/** JSON with object keys sorted at every depth, so equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  }) ?? 'undefined';
}

/** SHA-256 of the canonical JSON, base64url, first 22 characters (132 bits): short, and collisions are out of reach. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 22);
}

/** The hash of an operation as sent to a subgraph: its text and its variables (absent and {} are the same). */
export function operationHash(operation: string, variables?: Record<string, unknown> | null): string {
  return stableHash({ operation, variables: variables ?? {} });
}

const EXCHANGE_ID = /^[A-Za-z0-9_-]+$/;

/** `{exchange:bj}`: the hash tag that keeps one exchange's keys in one Cluster slot. */
export function exchangeHashTag(exchangeId: string): string {
  if (!EXCHANGE_ID.test(exchangeId)) throw new TypeError(`an exchange id in a cache key must match ${EXCHANGE_ID}, got ${JSON.stringify(exchangeId)}`);
  return `{exchange:${exchangeId}}`;
}

/** The name of an exchange's cache epoch, for `readVersion` / `readVersions` / `bumpVersion`. */
export function exchangeEpochName(exchangeId: string): string {
  return `epoch:${exchangeHashTag(exchangeId)}`;
}

export interface VersionedScope {
  exchangeId: string;
  /** The catalog version the exchange reports (header or probe). */
  catalogVersion: string | number;
  /** The gateway's epoch for the exchange, from `readVersion(exchangeEpochName(id))`; never a guess. */
  epoch: number;
}

/** The key of one exchange's answer to one shard fetch (`operationHash`, when given, must be operationHash(operation, variables)). */
export function shardFetchKey(scope: VersionedScope & { operation: string; variables?: Record<string, unknown> | null; operationHash?: string }): string {
  return `shard:${scopePart(scope)}:${scope.operationHash ?? operationHash(scope.operation, scope.variables)}`;
}

/**
 * The key of one entity as fetched by one `_entities` operation: the operation decides the fields, the
 * representation (`{ __typename, id }`) the entity. A partly cached batch fetches only its misses.
 */
export function entityKey(scope: VersionedScope & { operation: string; representation: Record<string, unknown> }): string {
  return `entity:${scopePart(scope)}:${operationHash(scope.operation)}:${stableHash(scope.representation)}`;
}

function scopePart({ exchangeId, catalogVersion, epoch }: VersionedScope): string {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new TypeError(`epoch must be a non-negative integer, got ${epoch}`);
  return `${exchangeHashTag(exchangeId)}:c${encodeURIComponent(String(catalogVersion))}:e${epoch}`;
}
