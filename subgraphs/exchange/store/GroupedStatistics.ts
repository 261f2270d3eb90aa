import type { StatsGroup } from '../../../shared/domain.ts';
import { QuantileSketch } from '../../../shared/sketch.ts';
import { compareKeys, summariseStatistics, type PriceStatisticsBucket } from '../../../shared/priceStatistics.ts';
import { ZERO_BUCKET } from './UnfilteredStats.ts';
import type { FacetColumn } from './FacetCounts.ts';

/** How a row gives its value of one dimension: a fixed value (the exchange's id), an enum column, or a 0/1 flag. */
export type StatisticsDimension =
  | { kind: 'fixed'; value: string }
  | { kind: 'enum'; column: FacetColumn }
  | { kind: 'flag'; column: 'contains_minors' | 'compliance_assessed' };

/** The column (or value) of each StatsGroup. Every one is a column FilterColumns holds in memory. */
export function dimensionOf(group: StatsGroup, exchangeId: string): StatisticsDimension {
  switch (group) {
    case 'EXCHANGE': return { kind: 'fixed', value: exchangeId };
    case 'CATEGORY': return { kind: 'enum', column: 'category' };
    case 'PROVIDER_KIND': return { kind: 'enum', column: 'provider_kind' };
    case 'PRICING_MODEL': return { kind: 'enum', column: 'price_model' };
    case 'SECURITY_LEVEL': return { kind: 'enum', column: 'security_level' };
    case 'TYPE': return { kind: 'enum', column: 'type' };
    case 'PERSONAL_INFO': return { kind: 'enum', column: 'personal_info' };
    case 'DATA_ORIGIN': return { kind: 'enum', column: 'data_origin' };
    case 'DELIVERY': return { kind: 'enum', column: 'delivery' };
    case 'CONTAINS_MINORS_DATA': return { kind: 'flag', column: 'contains_minors' };
    case 'COMPLIANCE_ASSESSED': return { kind: 'flag', column: 'compliance_assessed' };
  }
}

interface Cell {
  count: number;
  pricedCount: number;
  minMicros: number | null;
  maxMicros: number | null;
  zeros: number;
  bins: Map<number, number>;
  providers: Set<number>;
}

/**
 * The buckets of one priceStatistics call as FilterColumns.statistics fills them, row by row: a cell per
 * combination of dimension codes (three codes below 256 packed in one number), holding exact counts,
 * min and max, the sketch's bins and the set of provider numbers (exact distinct providers, and the
 * USCCs the gateway unites across exchanges).
 */
export class GroupedStatistics {
  private readonly cells = new Map<number, Cell>();

  /** `names[d][code]` is the key of code `code` in dimension `d`; `usccs[n]` the provider numbered n. */
  constructor(private readonly names: ReadonlyArray<readonly string[]>, private readonly usccs: readonly string[]) {}

  /** One row: its packed codes, price (NaN when NEGOTIABLE), sketch bucket (NaN when NEGOTIABLE) and provider number. */
  add(code: number, micros: number, bucket: number, provider: number): void {
    let cell = this.cells.get(code);
    if (!cell) this.cells.set(code, (cell = { count: 0, pricedCount: 0, minMicros: null, maxMicros: null, zeros: 0, bins: new Map(), providers: new Set() }));
    cell.count++;
    cell.providers.add(provider);
    if (Number.isNaN(micros)) return;
    cell.pricedCount++;
    if (cell.minMicros === null || micros < cell.minMicros) cell.minMicros = micros;
    if (cell.maxMicros === null || micros > cell.maxMicros) cell.maxMicros = micros;
    if (bucket === ZERO_BUCKET) cell.zeros++;
    else cell.bins.set(bucket, (cell.bins.get(bucket) ?? 0) + 1);
  }

  /** The buckets, sorted by keys. */
  buckets(): PriceStatisticsBucket[] {
    const out: PriceStatisticsBucket[] = [];
    for (const [code, cell] of this.cells) {
      const codes = [Math.floor(code / 65536), Math.floor(code / 256) % 256, code % 256];
      const keys = this.names.map((names, d) => names[codes[d]]);
      const sketch = new QuantileSketch();
      sketch.addZeros(cell.zeros);
      for (const [bucket, n] of cell.bins) sketch.addToBucket(bucket, n);
      const providers = new Set([...cell.providers].map((p) => this.usccs[p]));
      out.push(summariseStatistics(keys, { ...cell, sketch, providers }));
    }
    return out.sort((a, b) => compareKeys(a.keys, b.keys));
  }
}
