import { CURRENCY } from '../../shared/domain.ts';
import { formatMicros } from '../../shared/money.ts';
import { badUserInput } from '../../shared/errors.ts';
import { decodeChangeCursor, encodeChangeCursor, sequenceAfter } from '../../shared/priceChangeCursor.ts';
import type { DatasetStore } from './store/DatasetStore.ts';
import type { ChangeLogFilter, PriceChangeRow } from './store/PriceChangeLog.ts';
import type { Loaders } from './loaders.ts';
import { toDataset } from './toDataset.ts';

export const MAX_CHANGES_PAGE = 500;

export interface PriceChangesArgs {
  filter?: (ChangeLogFilter & { exchanges?: string[] | null }) | null;
  after?: string | null;
  first?: number | null;
}

const priceOf = (model: string | null, micros: number | null) =>
  model === null ? null : { model, amount: micros === null ? null : formatMicros(micros), currency: CURRENCY };

/**
 * Query.priceChanges on one exchange: its change log after the cursor's own entry (a cursor composed by
 * the gateway holds every exchange's entry; the others are ignored). Bad arguments are refused naming
 * them; a cursor older than what the log still keeps is refused too, since changes would be lost.
 */
export function priceChanges(store: DatasetStore, args: PriceChangesArgs, loaders: Loaders) {
  const first = args.first ?? 100;
  if (!Number.isInteger(first) || first < 0 || first > MAX_CHANGES_PAGE) throw badUserInput('first', `must be between 0 and ${MAX_CHANGES_PAGE}, got ${first}`);
  const filter = args.filter ?? {};
  const min = filter.minRelativeChange;
  if (min !== null && min !== undefined && !(Number.isFinite(min) && min >= 0)) throw badUserInput('filter.minRelativeChange', `must be 0 or more, got ${min}`);
  const named = filter.exchanges;
  const excluded = named && named.length > 0 && !named.includes(store.exchangeId);
  let after = 0;
  const given = args.after ?? null;
  if (given !== null) {
    const positions = decodeChangeCursor(given);
    if (typeof positions === 'string') throw badUserInput('after', positions);
    after = sequenceAfter(positions, store.exchangeId, store.epoch);
    if (after > 0 && after < store.changeLog.prunedThrough()) {
      throw badUserInput(
        'after',
        `the cursor is older than this exchange's change log keeps (changes up to sequence ${store.changeLog.prunedThrough()} were pruned)`,
      );
    }
  }
  const rows = excluded ? [] : store.changeLog.page(after, first + 1, filter);
  const kept = rows.slice(0, first);
  const cursorOf = (sequence: number) => encodeChangeCursor({ [store.exchangeId]: { epoch: store.epoch, sequence } });
  const edges = kept.map((row) => ({ cursor: cursorOf(row.sequence), node: toPriceChange(row, loaders) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      // An empty page ends where it started: the cursor given, or the head of the log (so a reader can
      // start "from now" with first: 0).
      endCursor: edges.at(-1)?.cursor ?? (given !== null ? given : cursorOf(store.changeLog.head())),
    },
    totalCount: () => (excluded ? 0 : store.changeLog.count(filter)),
    missingExchanges: [] as string[],
  };
}

function toPriceChange(row: PriceChangeRow, loaders: Loaders) {
  const exchange = row.dataset_id.slice(0, row.dataset_id.indexOf(':'));
  return {
    dataset: async () => {
      const dataset = await loaders.datasetById.load(row.dataset_id);
      return dataset ? toDataset(dataset) : { id: row.dataset_id };
    },
    exchange: { id: exchange },
    provider: async () => {
      const dataset = await loaders.datasetById.load(row.dataset_id);
      return dataset ? { uscc: dataset.provider_uscc } : null;
    },
    previous: priceOf(row.previous_model, row.previous_micros),
    current: priceOf(row.current_model, row.current_micros),
    changedAt: new Date(row.changed_ms).toISOString(),
  };
}
