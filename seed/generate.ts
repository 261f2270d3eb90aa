/**
 * Generates the data products of one exchange, deterministically: the same (exchange, divisionCode,
 * count) always yields the same rows, whatever was generated before. Rows stream out of a generator,
 * so 250,000 of them never sit in memory at once unless the caller keeps them.
 */
import { DEFAULT_EXCHANGES, type DatasetRecord } from '../shared/domain.ts';
import { crossListedPoolIndices, crossListingExchanges, exchangeCodeSlot, POOL_CODE_SLOT, productCode } from './crossListing.ts';
import { buildListingTerms, buildProduct, distinctAmounts, isPriced, type ListingTerms, type Product } from './listing.ts';
import { Rng } from './rng.ts';

export { CROSS_LISTED_SHARE, crossListedPoolIndices, crossListingExchanges, crossListingPoolSize } from './crossListing.ts';

export interface GenerateOptions {
  /** Exchange id, e.g. "sh". bj, sh, ty and gy share cross-listed products. */
  exchange: string;
  /** GB/T 2260 division code of the exchange; most providers and coverage come from its province. */
  divisionCode: string;
  /** Number of rows. */
  count: number;
}

/** Share of an exchange's own products whose provider comes from the exchange's province (when it has one for the category). */
export const LOCAL_PROVIDER_SHARE = 0.82;

const HOME_DIVISION = new Map(DEFAULT_EXCHANGES.map((e) => [e.id, e.divisionCode]));

/** Local ids are "ds-" and at least six digits: ds-000001, ..., ds-1000000. */
export function localIdFor(rowNumber: number): string {
  return `ds-${String(rowNumber).padStart(6, '0')}`;
}

/**
 * The shared identity of pool product j, from j alone (see crossListing.ts). It is a priced product with a
 * price range, so that every exchange that lists it can ask a different price (redrawn until it is).
 */
export function poolProduct(j: number): Product {
  const home = crossListingExchanges(j)[0];
  let product: Product | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    product = buildProduct(attempt === 0 ? Rng.from('pool', j) : Rng.from('pool', j, attempt), {
      homeDivisionCode: HOME_DIVISION.get(home)!,
      localShare: 0.9,
      preferPriced: true,
    });
    if (isPriced(product.priceOption.model) && product.priceOption.min < product.priceOption.max) break;
  }
  return product!;
}

/** The current price of pool product j on `exchange`: different on every exchange that lists it. */
export function poolListingAmount(j: number, exchange: string, product: Product): number | undefined {
  if (!isPriced(product.priceOption.model)) return undefined;
  const listers = [...crossListingExchanges(j)].sort();
  return distinctAmounts(Rng.from('pool-price', j), product.priceOption, listers.length)[listers.indexOf(exchange)];
}

function toRecord(localId: string, code: string, product: Product, terms: ListingTerms): DatasetRecord {
  return {
    localId,
    productCode: code,
    title: product.title,
    titleZh: product.titleZh,
    description: product.description,
    descriptionZh: product.descriptionZh,
    type: product.type,
    category: product.category,
    keywords: product.keywords,
    providerUscc: product.provider.uscc,
    providerKind: product.provider.kind,
    securityLevel: product.securityLevel,
    personalInfo: product.personalInfo,
    containsMinorsData: product.containsMinorsData,
    dataOrigin: product.dataOrigin,
    delivery: product.delivery,
    updateFrequency: product.updateFrequency,
    spatialCoverage: product.spatialCoverage,
    priceHistory: terms.priceHistory,
    complianceAssessed: terms.complianceAssessed,
    listedAt: terms.listedAt,
    updatedAt: terms.updatedAt,
  };
}

export function* generateDatasets(opts: GenerateOptions): Generator<DatasetRecord> {
  const { exchange, divisionCode, count } = opts;
  if (!Number.isInteger(count) || count < 0) throw new Error(`generateDatasets: count must be a non-negative integer, got ${count}`);
  if (!/^\d{6}$/.test(divisionCode)) throw new Error(`generateDatasets: divisionCode must be 6 digits (GB/T 2260), got "${divisionCode}"`);

  // Pool products are spread evenly over the rows: the k-th lands on row floor(k * count / K).
  const pool = crossListedPoolIndices(exchange, count);
  const slot = exchangeCodeSlot(exchange);
  const productsPerProvider = new Map<string, number>();
  let k = 0;
  let nextPoolRow = pool.length > 0 ? 0 : -1;

  for (let i = 0; i < count; i++) {
    const localId = localIdFor(i + 1);
    if (i === nextPoolRow) {
      const j = pool[k++];
      nextPoolRow = k < pool.length ? Math.floor((k * count) / pool.length) : -1;
      const product = poolProduct(j);
      const terms = buildListingTerms(Rng.from('pool-listing', j, exchange), product, poolListingAmount(j, exchange, product));
      yield toRecord(localId, productCode(product.provider.uscc, 8 * j + POOL_CODE_SLOT), product, terms);
      continue;
    }
    const rng = Rng.from('local', exchange, divisionCode, i);
    const product = buildProduct(rng, { homeDivisionCode: divisionCode, localShare: LOCAL_PROVIDER_SHARE, preferPriced: false });
    const terms = buildListingTerms(rng, product);
    const nth = productsPerProvider.get(product.provider.uscc) ?? 0;
    productsPerProvider.set(product.provider.uscc, nth + 1);
    yield toRecord(localId, productCode(product.provider.uscc, 8 * nth + slot), product, terms);
  }
}
