/**
 * The providers held in memory, sorted by USCC, with filtering and keyset pages.
 * Four thousand providers fit in a few hundred kilobytes, so a scan per query is cheaper than an index.
 */
import type { ProviderKind, ProviderRecord } from '../../shared/domain.ts';
import { badUserInput } from '../../shared/errors.ts';
import { validateUscc } from '../../shared/uscc.ts';
import { PROVINCES } from '../../seed/places.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ProviderFilter {
  text?: string | null;
  kinds?: readonly ProviderKind[] | null;
  province?: string | null;
  /** Answered by the gateway, which sends usccIn / usccNotIn instead: refused here. */
  exchanges?: readonly string[] | null;
  hasListings?: boolean | null;
  /** Set by the gateway only (@inaccessible): the USCCs it found listed, or not, on the exchanges. */
  usccIn?: readonly string[] | null;
  usccNotIn?: readonly string[] | null;
}

export interface ProviderPageArgs {
  filter?: ProviderFilter | null;
  first?: number | null;
  after?: string | null;
}

export interface ProviderPage {
  providers: ProviderRecord[];
  hasNextPage: boolean;
  totalCount: number;
}

/** Cursors are the base64url of the last USCC seen; opaque to clients, but cheap to check. */
export function encodeProviderCursor(uscc: string): string {
  return Buffer.from(uscc, 'utf8').toString('base64url');
}

export function decodeProviderCursor(cursor: string): string | null {
  const uscc = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeProviderCursor(uscc) !== cursor || !validateUscc(uscc).ok) return null;
  return uscc;
}

/** Chinese province names also select their province: "山西" or "山西省". */
const PROVINCE_PREFIX_BY_NAME = new Map<string, string>(
  PROVINCES.flatMap(
    (p) =>
      [
        [p.en.toLowerCase(), p.prefix],
        [p.zh, p.prefix],
        [p.zhShort, p.prefix],
      ] as const,
  ),
);

/** The 2-digit division prefix a province filter selects, or the lowercased English name to compare with. */
function provinceMatcher(province: string): (p: ProviderRecord) => boolean {
  const value = province.trim();
  if (/^\d{2}$/.test(value) || /^\d{6}$/.test(value)) {
    const prefix = value.slice(0, 2);
    return (p) => p.divisionCode.startsWith(prefix);
  }
  const prefix = PROVINCE_PREFIX_BY_NAME.get(value.toLowerCase());
  if (prefix) return (p) => p.divisionCode.startsWith(prefix);
  const name = value.toLowerCase();
  return (p) => p.province.toLowerCase() === name;
}

export class ProviderDirectory {
  private readonly sorted: readonly ProviderRecord[];
  private readonly byUscc: ReadonlyMap<string, ProviderRecord>;
  /** Lowercased "name\u0000nameZh" per provider, so text filters do not lowercase on every query. */
  private readonly searchText: ReadonlyMap<ProviderRecord, string>;

  constructor(providers: readonly ProviderRecord[]) {
    this.sorted = [...providers].sort((a, b) => (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
    this.byUscc = new Map(this.sorted.map((p) => [p.uscc, p]));
    this.searchText = new Map(this.sorted.map((p) => [p, `${p.name}\u0000${p.nameZh}`.toLowerCase()]));
  }

  get size(): number {
    return this.sorted.length;
  }

  get(uscc: string): ProviderRecord | null {
    return this.byUscc.get(uscc) ?? null;
  }

  /** One keyset page. Throws BAD_USER_INPUT naming `first` or `after` when they are out of bounds or malformed. */
  page(args: ProviderPageArgs): ProviderPage {
    const first = args.first ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
      throw badUserInput('first', `must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`);
    }
    let after: string | null = null;
    if (args.after !== null && args.after !== undefined) {
      after = decodeProviderCursor(args.after);
      if (after === null) throw badUserInput('after', `is not a cursor returned by providers: ${JSON.stringify(args.after)}`);
    }
    const matches = this.matcher(args.filter);
    const providers: ProviderRecord[] = [];
    let totalCount = 0;
    let hasNextPage = false;
    for (const provider of this.sorted) {
      if (!matches(provider)) continue;
      totalCount++;
      if (after !== null && provider.uscc <= after) continue;
      if (providers.length < first) providers.push(provider);
      else hasNextPage = true;
    }
    return { providers, hasNextPage, totalCount };
  }

  private matcher(filter: ProviderFilter | null | undefined): (p: ProviderRecord) => boolean {
    const tests: Array<(p: ProviderRecord) => boolean> = [];
    const text = filter?.text?.trim().toLowerCase();
    if (text) tests.push((p) => this.searchText.get(p)!.includes(text));
    if (filter?.kinds && filter.kinds.length > 0) {
      const kinds = new Set(filter.kinds);
      tests.push((p) => kinds.has(p.kind));
    }
    if (filter?.province?.trim()) tests.push(provinceMatcher(filter.province));
    // This subgraph knows no listings: the gateway turns these into usccIn / usccNotIn before it asks.
    for (const field of ['exchanges', 'hasListings'] as const) {
      if (filter?.[field] !== null && filter?.[field] !== undefined) {
        throw badUserInput(`filter.${field}`, "is answered by the gateway, which sees the exchanges' listings: ask the gateway, not the providers subgraph");
      }
    }
    if (filter?.usccIn) {
      const usccs = new Set(filter.usccIn);
      tests.push((p) => usccs.has(p.uscc));
    }
    if (filter?.usccNotIn && filter.usccNotIn.length > 0) {
      const usccs = new Set(filter.usccNotIn);
      tests.push((p) => !usccs.has(p.uscc));
    }
    return (p) => tests.every((test) => test(p));
  }
}
