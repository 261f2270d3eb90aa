/**
 * What the soak's answers must say, read from each exchange's own SQLite file (read-only), never through
 * the gateway: the listings (id, provider, price sort keys, update time) and counts per category. The soak
 * never changes a listing, so reading once before the load is enough.
 */
import Database from 'better-sqlite3';

export interface ListingTruth {
  exchange: string;
  providerUscc: string;
  category: string;
  /** The exchange's price sort key (FREE first, NEGOTIABLE last), as PRICE_ASC orders listings. */
  priceAsc: number;
  updatedMs: number;
}

export interface ExchangeTruth {
  id: string;
  total: number;
  byCategory: Map<string, number>;
}

export class CatalogTruth {
  readonly listings = new Map<string, ListingTruth>();
  readonly exchanges = new Map<string, ExchangeTruth>();

  /** Reads one exchange's database file. */
  addExchange(id: string, dbPath: string): void {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const byCategory = new Map<string, number>();
      let total = 0;
      const rows = db.prepare('SELECT id, provider_uscc, category, price_asc, updated_ms FROM datasets').raw().iterate() as IterableIterator<
        [string, string, string, number, number]
      >;
      for (const [listing, uscc, category, priceAsc, updatedMs] of rows) {
        this.listings.set(listing, { exchange: id, providerUscc: uscc, category, priceAsc, updatedMs });
        byCategory.set(category, (byCategory.get(category) ?? 0) + 1);
        total++;
      }
      this.exchanges.set(id, { id, total, byCategory });
    } finally {
      db.close();
    }
  }

  /** Listings over `exchanges`, in `categories` when given. */
  count(exchanges: Iterable<string>, categories?: readonly string[]): number {
    let n = 0;
    for (const id of exchanges) {
      const truth = this.exchanges.get(id);
      if (!truth) throw new Error(`no truth read for exchange ${id}`);
      n += categories ? categories.reduce((sum, c) => sum + (truth.byCategory.get(c) ?? 0), 0) : truth.total;
    }
    return n;
  }
}
