import DataLoader from 'dataloader';
import type { StoreSession, DatasetRow } from './store/DatasetStore.ts';
import type { DatasetFilterInput } from './store/filterSql.ts';
import type { CheckedPageArgs } from './connection.ts';

export interface ProviderPageKey {
  uscc: string;
  filter: DatasetFilterInput | null | undefined;
  page: CheckedPageArgs;
}

export interface ProviderCountKey {
  uscc: string;
  filter: DatasetFilterInput | null | undefined;
}

/** Groups keys by everything but the provider, so each distinct argument set costs one statement. */
function groupBy<K, T>(keys: readonly K[], keyOf: (k: K) => string, run: (group: K[]) => Map<string, T>, pick: (k: K, result: Map<string, T>) => T): T[] {
  const groups = new Map<string, K[]>();
  for (const key of keys) {
    const id = keyOf(key);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = []));
    group.push(key);
  }
  const results = new Map<string, Map<string, T>>();
  for (const [id, group] of groups) results.set(id, run(group));
  return keys.map((key) => pick(key, results.get(keyOf(key))!));
}

/**
 * Per-request loaders: whatever the number of entities or providers in a request, each kind of read is
 * one SQL statement per distinct set of arguments (DataLoader batches everything asked for in one tick).
 */
export function createLoaders(session: StoreSession) {
  return {
    datasetById: new DataLoader<string, DatasetRow | null>(async (ids) => {
      const rows = new Map(session.byIds(ids).map((row) => [row.id, row]));
      return ids.map((id) => rows.get(id) ?? null);
    }),
    providerPage: new DataLoader<ProviderPageKey, DatasetRow[], string>(
      async (keys) =>
        groupBy(
          keys,
          (k) => JSON.stringify([k.filter ?? null, k.page]),
          (group) =>
            session.pagesByProvider(
              group.map((k) => k.uscc),
              { filter: group[0].filter, sort: group[0].page.sort, limit: group[0].page.first, after: group[0].page.after },
            ),
          (k, result) => result.get(k.uscc) ?? [],
        ),
      { cacheKeyFn: (k) => JSON.stringify([k.uscc, k.filter ?? null, k.page]) },
    ),
    providerCount: new DataLoader<ProviderCountKey, number, string>(
      async (keys) =>
        groupBy(
          keys,
          (k) => JSON.stringify(k.filter ?? null),
          (group) =>
            session.countsByProvider(
              group.map((k) => k.uscc),
              group[0].filter,
            ),
          (k, result) => result.get(k.uscc) ?? 0,
        ),
      { cacheKeyFn: (k) => JSON.stringify([k.uscc, k.filter ?? null]) },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
