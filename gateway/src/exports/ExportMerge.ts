import type { DatasetSort } from '../../../shared/domain.ts';
import { comparePositions } from '../../../shared/datasetOrder.ts';
import type { PageOutcome, PageSource, PositionedNode } from './ExchangePages.ts';

/** Why an export stopped: an exchange failed, or the client's filter was refused. */
export class ExportFailure extends Error {
  constructor(
    readonly outcome: Extract<PageOutcome, { kind: 'failed' | 'badInput' }>,
    readonly exchanges: string[],
  ) {
    super(outcome.message);
  }
}

interface Source {
  pages: PageSource;
  rows: PositionedNode[];
  index: number;
  done: boolean;
}

/**
 * The k-way keyset merge of the exchanges' pages (PageSource): a row is given out only when every
 * exchange still in the export has a row buffered (or has none left), so the smallest buffered row in the
 * global order (comparePositions, the order `datasets` pages by) is the next one overall. The same
 * argument as the connection merge (docs/architecture.md#keyset-merging), with one cursor per exchange.
 */
export class ExportMerge {
  private readonly sources: Source[];

  constructor(
    pages: PageSource[],
    private readonly sort: DatasetSort,
  ) {
    this.sources = pages.map((p) => ({ pages: p, rows: [], index: 0, done: false }));
  }

  /**
   * Waits for the first page of every exchange. Returns the exchanges that failed (the export answers 503
   * naming them, or goes on without them when `partial`); throws ExportFailure when the filter was refused.
   */
  async start(): Promise<Array<Extract<PageOutcome, { kind: 'failed' }>>> {
    const failures: Array<Extract<PageOutcome, { kind: 'failed' }>> = [];
    await Promise.all(
      this.sources.map(async (source) => {
        const outcome = await this.refill(source);
        if (outcome && outcome.kind === 'failed') failures.push(outcome);
        if (outcome && outcome.kind === 'badInput') throw new ExportFailure(outcome, [source.pages.exchange]);
      }),
    );
    return failures.sort((a, b) => a.exchange.localeCompare(b.exchange));
  }

  /** Leaves out the exchanges that failed before the first byte (partial=1). */
  drop(exchanges: string[]): void {
    for (const source of this.sources) {
      if (exchanges.includes(source.pages.exchange)) {
        source.pages.stop();
        source.done = true;
        source.rows = [];
      }
    }
  }

  /**
   * Up to `max` next rows in the global order, or null at the end. Throws ExportFailure when an exchange
   * fails on a later page: the export then aborts (a short file must not look complete).
   */
  async nextBatch(max: number): Promise<PositionedNode[] | null> {
    const batch: PositionedNode[] = [];
    while (batch.length < max) {
      for (const source of this.sources) {
        if (!source.done && source.index >= source.rows.length) {
          const outcome = await this.refill(source);
          if (outcome && outcome.kind !== 'page') throw new ExportFailure(outcome, [source.pages.exchange]);
        }
      }
      let best: Source | null = null;
      for (const source of this.sources) {
        if (source.done) continue;
        if (!best || comparePositions(this.sort, source.rows[source.index], best.rows[best.index]) < 0) best = source;
      }
      if (!best) break;
      batch.push(best.rows[best.index++]);
    }
    return batch.length > 0 ? batch : null;
  }

  /** Stops every exchange's paging (the client left, or the export failed). */
  stop(): void {
    for (const source of this.sources) source.pages.stop();
  }

  /** Reads the source's next non-empty page; marks it done when it has none. */
  private async refill(source: Source): Promise<PageOutcome | null> {
    for (;;) {
      const outcome = await source.pages.next();
      if (!outcome) {
        source.done = true;
        source.rows = [];
        return null;
      }
      if (outcome.kind !== 'page') {
        source.done = true;
        source.rows = [];
        return outcome;
      }
      source.rows = outcome.rows;
      source.index = 0;
      if (outcome.rows.length > 0) return outcome;
    }
  }
}
