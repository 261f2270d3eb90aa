import type { StatsGroup } from '../../../shared/domain.ts';
import { QuantileSketch } from '../../../shared/sketch.ts';
import { compareKeys, summariseStatistics, type PriceStatisticsBucket } from '../../../shared/priceStatistics.ts';
import { ZERO_BUCKET } from './UnfilteredStats.ts';
import type { FacetColumn } from './FacetCounts.ts';

/** How a row gives its value of one dimension: a fixed value (the exchange's id), an enum column, or a 0/1 flag. */
export type StatisticsDimension =
  { kind: 'fixed'; value: string } | { kind: 'enum'; column: FacetColumn } | { kind: 'flag'; column: 'contains_minors' | 'compliance_assessed' };

/** The column (or value) of each StatsGroup. Every one is a column FilterColumns holds in memory. */
export function dimensionOf(group: StatsGroup, exchangeId: string): StatisticsDimension {
  switch (group) {
    case 'EXCHANGE':
      return { kind: 'fixed', value: exchangeId };
    case 'CATEGORY':
      return { kind: 'enum', column: 'category' };
    case 'PROVIDER_KIND':
      return { kind: 'enum', column: 'provider_kind' };
    case 'PRICING_MODEL':
      return { kind: 'enum', column: 'price_model' };
    case 'SECURITY_LEVEL':
      return { kind: 'enum', column: 'security_level' };
    case 'TYPE':
      return { kind: 'enum', column: 'type' };
    case 'PERSONAL_INFO':
      return { kind: 'enum', column: 'personal_info' };
    case 'DATA_ORIGIN':
      return { kind: 'enum', column: 'data_origin' };
    case 'DELIVERY':
      return { kind: 'enum', column: 'delivery' };
    case 'CONTAINS_MINORS_DATA':
      return { kind: 'flag', column: 'contains_minors' };
    case 'COMPLIANCE_ASSESSED':
      return { kind: 'flag', column: 'compliance_assessed' };
  }
}

interface Cell {
  count: number;
  pricedCount: number;
  minMicros: number | null;
  maxMicros: number | null;
  zeros: number;
  /** Count per sketch bucket index, from `binsFrom` on: a dense array grown as needed (a Map costs half the time). */
  bins: Int32Array;
  binsFrom: number;
  /** A bit per provider number: setting a bit costs far less than adding to a Set (a few thousand providers). */
  providers: Uint8Array;
}

const EMPTY_BINS = new Int32Array(0);

/** Widens a cell's bins to hold `bucket`, with room to spare on the side it grew (amounts span ~2,000 indexes). */
function growBins(cell: Cell, bucket: number): void {
  const slack = Math.max(64, cell.bins.length);
  const from = cell.bins.length === 0 ? bucket - slack : Math.min(cell.binsFrom, bucket - slack);
  const to = cell.bins.length === 0 ? bucket + slack : Math.max(cell.binsFrom + cell.bins.length, bucket + slack);
  const bins = new Int32Array(to - from);
  if (cell.bins.length > 0) bins.set(cell.bins, cell.binsFrom - from);
  cell.bins = bins;
  cell.binsFrom = from;
}

/**
 * The buckets of one priceStatistics call as FilterColumns.statistics fills them, row by row: a cell per
 * combination of dimension codes (packed in one number, see `radixes`), holding exact counts,
 * min and max, the sketch's bins and the set of provider numbers (exact distinct providers, and the
 * USCCs the gateway unites across exchanges).
 */
export class GroupedStatistics {
  /**
   * Codes of dimension d run from 0 to radixes[d] - 1; a row's cell is ((c0 * r1) + c1) * r2 + c2, so the
   * cells fit an array (a few hundred to a few thousand: 4 x 19 x 8 for exchange x category x pricing model),
   * with no Map lookup per row. Measured at 250,000 rows, exchange x category x pricing model, CPU time:
   * Map cells, Set of providers, Map of bins 41 ms; array cells, provider bitmap, dense bins 19 ms.
   */
  readonly radixes: [number, number, number];
  private readonly cells: Array<Cell | undefined>;

  /** `names[d][code]` is the key of code `code` in dimension `d`; `usccs[n]` the provider numbered n. */
  constructor(
    private readonly names: ReadonlyArray<readonly string[]>,
    private readonly usccs: readonly string[],
  ) {
    this.radixes = [names[0]?.length ?? 1, names[1]?.length ?? 1, names[2]?.length ?? 1];
    this.cells = new Array(this.radixes[0] * this.radixes[1] * this.radixes[2]);
  }

  /** One row: its packed codes, price (NaN when NEGOTIABLE), sketch bucket (NaN when NEGOTIABLE) and provider number. */
  add(code: number, micros: number, bucket: number, provider: number): void {
    let cell = this.cells[code];
    if (!cell) {
      cell = {
        count: 0,
        pricedCount: 0,
        minMicros: null,
        maxMicros: null,
        zeros: 0,
        bins: EMPTY_BINS,
        binsFrom: 0,
        providers: new Uint8Array((this.usccs.length >> 3) + 1),
      };
      this.cells[code] = cell;
    }
    cell.count++;
    cell.providers[provider >> 3] |= 1 << (provider & 7);
    if (Number.isNaN(micros)) return;
    cell.pricedCount++;
    if (cell.minMicros === null || micros < cell.minMicros) cell.minMicros = micros;
    if (cell.maxMicros === null || micros > cell.maxMicros) cell.maxMicros = micros;
    if (bucket === ZERO_BUCKET) cell.zeros++;
    else {
      if (bucket < cell.binsFrom || bucket >= cell.binsFrom + cell.bins.length) growBins(cell, bucket);
      cell.bins[bucket - cell.binsFrom]++;
    }
  }

  /** The buckets, sorted by keys. */
  buckets(): PriceStatisticsBucket[] {
    const out: PriceStatisticsBucket[] = [];
    const [, r1, r2] = this.radixes;
    for (let code = 0; code < this.cells.length; code++) {
      const cell = this.cells[code];
      if (!cell) continue;
      const codes = [Math.floor(code / (r1 * r2)), Math.floor(code / r2) % r1, code % r2];
      const keys = this.names.map((names, d) => names[codes[d]]);
      const sketch = new QuantileSketch();
      sketch.addZeros(cell.zeros);
      cell.bins.forEach((n, i) => {
        if (n > 0) sketch.addToBucket(cell.binsFrom + i, n);
      });
      const providers = new Set<string>();
      for (let p = 0; p < this.usccs.length; p++) if (cell.providers[p >> 3] & (1 << (p & 7))) providers.add(this.usccs[p]);
      out.push(summariseStatistics(keys, { ...cell, sketch, providers }));
    }
    return out.sort((a, b) => compareKeys(a.keys, b.keys));
  }
}
