import { createHash } from 'node:crypto';

/**
 * Cache keys: everything an answer depends on is in its key, so invalidation needs no deletes
 * (docs/caching.md#invalidation-by-version-and-the-bound-on-staleness), and one exchange's keys share a hash
 * tag (docs/caching.md#keys-in-a-cluster).
 */

/** JSON with object keys sorted at every depth, so equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }) ?? 'undefined'
  );
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

/** The key of one exchange's catalog summary at one catalog version (docs/scale-out.md#versions). */
export function catalogSummaryKey(scope: VersionedScope): string {
  return `summary:${scopePart(scope)}`;
}

/**
 * The key of one exchange's catalog token filter, by its tokensVersion (docs/scale-out.md): summaries in the
 * cache hold it by that version, so it is written once, not with every catalog version.
 */
export function tokenFilterKey(scope: { exchangeId: string; tokensVersion: string; epoch: number }): string {
  return `tokens:${scopePart({ exchangeId: scope.exchangeId, catalogVersion: `t${scope.tokensVersion}`, epoch: scope.epoch })}`;
}

function scopePart({ exchangeId, catalogVersion, epoch }: VersionedScope): string {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new TypeError(`epoch must be a non-negative integer, got ${epoch}`);
  return `${exchangeHashTag(exchangeId)}:c${encodeURIComponent(String(catalogVersion))}:e${epoch}`;
}
