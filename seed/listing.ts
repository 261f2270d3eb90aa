/**
 * Builds one seed listing in two halves: the product (who offers what, described how), which a
 * cross-listed product shares across exchanges, and the listing terms (prices over time, dates),
 * which each exchange draws for itself.
 */
import type {
  Category,
  DataOrigin,
  DatasetType,
  Delivery,
  PersonalInfo,
  PricePointRecord,
  ProviderKind,
  ProviderRecord,
  SecurityLevel,
  UpdateFrequency,
} from '../shared/domain.ts';
import { divisionByCode, provinceOf, type Division } from './places.ts';
import { providerCategories, providerRegistry } from './providers.ts';
import { Rng, type Weighted } from './rng.ts';
import {
  CATEGORY_WEIGHTS,
  COMMON_QUALIFIERS,
  DELIVERY_BY_TYPE,
  DELIVERY_TEXT,
  FREQUENCY_BY_TYPE,
  FREQUENCY_TEXT,
  SENSITIVE_DATASET_DELIVERY,
  VOCAB,
  type PriceOption,
  type Subject,
  type TextPair,
} from './vocab.ts';

export interface Product {
  provider: ProviderRecord;
  category: Category;
  type: DatasetType;
  title: string;
  titleZh: string;
  description: string;
  descriptionZh: string;
  keywords: string[];
  securityLevel: SecurityLevel;
  personalInfo: PersonalInfo;
  containsMinorsData: boolean;
  dataOrigin: DataOrigin;
  delivery: Delivery;
  updateFrequency: UpdateFrequency;
  spatialCoverage: string[];
  /** How the product is priced now; each listing draws its own amount. */
  priceOption: PriceOption;
  /** Priced options of the subject, for earlier prices of a product that is now free or negotiable. */
  pricedOptions: readonly PriceOption[];
  /** The year the data describes; listings start no earlier. */
  vintageYear: number;
}

export interface ProductOptions {
  /** Division code whose province most providers and most coverage come from. */
  homeDivisionCode: string;
  /** Share of providers taken from the home province when it has any for the category. */
  localShare: number;
  /** Re-draw free and negotiable prices most of the time, so that prices can differ between exchanges. */
  preferPriced: boolean;
}

export interface ListingTerms {
  priceHistory: PricePointRecord[];
  listedAt: string;
  updatedAt: string;
  complianceAssessed: boolean;
}

/**
 * How much more often each kind is picked among the providers of a category: government bodies list
 * most, as the press reports.
 */
const KIND_PICK_WEIGHT: Readonly<Record<ProviderKind, number>> = {
  GOVERNMENT_DEPARTMENT: 3,
  PUBLIC_INSTITUTION: 2,
  STATE_OWNED_ENTERPRISE: 2,
  PRIVATE_ENTERPRISE: 1,
  FOREIGN_INVESTED_ENTERPRISE: 1,
  SOCIAL_ORGANIZATION: 1,
};

interface ProviderIndex {
  byProvince: Map<string, Map<Category, ProviderRecord[]>>;
  all: Map<Category, ProviderRecord[]>;
}
let providerIndex: ProviderIndex | undefined;

/** Providers by (province, category), each repeated by its kind's pick weight so a uniform pick is weighted. */
function getProviderIndex(): ProviderIndex {
  if (providerIndex) return providerIndex;
  const index: ProviderIndex = { byProvince: new Map(), all: new Map() };
  const add = (map: Map<Category, ProviderRecord[]>, category: Category, provider: ProviderRecord) => {
    let list = map.get(category);
    if (!list) map.set(category, (list = []));
    for (let n = 0; n < KIND_PICK_WEIGHT[provider.kind]; n++) list.push(provider);
  };
  for (const provider of providerRegistry()) {
    const prefix = provider.divisionCode.slice(0, 2);
    let byCategory = index.byProvince.get(prefix);
    if (!byCategory) index.byProvince.set(prefix, (byCategory = new Map()));
    for (const category of providerCategories(provider.uscc)) {
      add(byCategory, category, provider);
      add(index.all, category, provider);
    }
  }
  return (providerIndex = index);
}

const SUBJECTS_BY_CATEGORY = new Map(
  Object.entries(VOCAB).map(([category, vocab]) => [category as Category, vocab.subjects.map((s): Weighted<Subject> => [s, s.weight ?? 1])]),
);
const PRICE_OPTIONS = new Map<Subject, { all: Weighted<PriceOption>[]; priced: PriceOption[] }>(
  Object.values(VOCAB)
    .flatMap((v) => v.subjects)
    .map((s) => [
      s,
      {
        all: s.prices.map((o): Weighted<PriceOption> => [o, o.weight]),
        priced: s.prices.filter((o) => isPriced(o.model)),
      },
    ]),
);

export function isPriced(model: PriceOption['model']): boolean {
  return model !== 'FREE' && model !== 'NEGOTIABLE';
}

const TITLE_TEMPLATES: ReadonlyArray<(s: Subject, place: Division, year: number, q: TextPair) => TextPair> = [
  (s, p) => [`${p.en} ${s.en}`, `${p.zh}${s.zh}`],
  (s, p, y) => [`${s.en}, ${p.en} (${y})`, `${p.zh}${s.zh}（${y}年）`],
  (s, p, _y, q) => [`${p.en} ${s.en} – ${q[0]}`, `${p.zh}${s.zh}（${q[1]}）`],
  (s, p, y, q) => [`${s.en} (${q[0]}), ${p.en} ${y}`, `${y}年${p.zh}${s.zh}（${q[1]}）`],
  (s, p, _y, q) => [`${q[0]} ${s.en}: ${p.en}`, `${p.zh}${s.zh}·${q[1]}`],
];

/** "Provided by <name>." per provider, built once: a name ending in "Co., Ltd." already ends the sentence. */
const providedBy = new Map<ProviderRecord, string>();
function providedByText(provider: ProviderRecord): string {
  let text = providedBy.get(provider);
  if (text === undefined) providedBy.set(provider, (text = `Provided by ${provider.name}${provider.name.endsWith('.') ? '' : '.'}`));
  return text;
}

function originFor(kind: ProviderKind, rng: Rng): DataOrigin {
  // Public data is what public bodies and public-service enterprises produce (Shenzhen's definition).
  if (kind === 'GOVERNMENT_DEPARTMENT' || kind === 'PUBLIC_INSTITUTION') return 'PUBLIC';
  if (kind === 'STATE_OWNED_ENTERPRISE') return rng.chance(0.4) ? 'PUBLIC' : 'ENTERPRISE';
  if (kind === 'SOCIAL_ORGANIZATION') return rng.chance(0.3) ? 'PUBLIC' : 'ENTERPRISE';
  return 'ENTERPRISE';
}

function pickProvider(rng: Rng, category: Category, options: ProductOptions): ProviderRecord {
  const index = getProviderIndex();
  const local = index.byProvince.get(options.homeDivisionCode.slice(0, 2))?.get(category);
  if (local && rng.chance(options.localShare)) return rng.pick(local);
  const anywhere = index.all.get(category);
  if (!anywhere) throw new Error(`no seed provider lists category ${category}`);
  return rng.pick(anywhere);
}

/** Mostly where the provider is; a provider from elsewhere often describes the exchange's own region. */
function coverageFor(rng: Rng, provider: ProviderRecord, options: ProductOptions): string[] {
  const homePrefix = options.homeDivisionCode.slice(0, 2);
  // A region the seed has no names for cannot be titled, so its listings describe the provider's region.
  const homeIsNamed = divisionByCode(options.homeDivisionCode) !== undefined;
  const primary = provider.divisionCode.startsWith(homePrefix) || !homeIsNamed || rng.chance(0.5) ? provider.divisionCode : options.homeDivisionCode;
  const coverage = [primary];
  const siblings = provinceOf(primary)?.divisions;
  if (siblings && siblings.length > 1 && rng.chance(0.25)) {
    const extra = rng.pick(siblings).code;
    if (extra !== primary) coverage.push(extra);
  }
  return coverage;
}

export function buildProduct(rng: Rng, options: ProductOptions): Product {
  const category = rng.weightedPick(CATEGORY_WEIGHTS);
  const vocab = VOCAB[category];
  const provider = pickProvider(rng, category, options);
  const subject = rng.weightedPick(SUBJECTS_BY_CATEGORY.get(category)!);
  const type = subject.type;
  const spatialCoverage = coverageFor(rng, provider, options);
  const place = divisionByCode(spatialCoverage[0])!;

  const containsMinorsData = subject.containsMinorsData ?? false;
  // PIPL counts data about children under 14 as sensitive.
  const personalInfo = containsMinorsData ? 'SENSITIVE' : (subject.personalInfo ?? rng.weightedPick(vocab.personalInfo));
  const securityLevel: SecurityLevel = rng.chance(vocab.importantShare + (personalInfo === 'SENSITIVE' ? 0.1 : 0)) ? 'IMPORTANT' : 'GENERAL';
  const delivery =
    subject.delivery ?? rng.weightedPick(type === 'DATASET' && personalInfo === 'SENSITIVE' ? SENSITIVE_DATASET_DELIVERY : DELIVERY_BY_TYPE[type]);
  const updateFrequency = subject.frequency ?? rng.weightedPick(type === 'DATASET' && vocab.frequencies ? vocab.frequencies : FREQUENCY_BY_TYPE[type]);

  const { all: priceOptions, priced: pricedOptions } = PRICE_OPTIONS.get(subject)!;
  let priceOption = rng.weightedPick(priceOptions);
  if (options.preferPriced && !isPriced(priceOption.model) && pricedOptions.length > 0 && rng.chance(0.8)) {
    priceOption = rng.pick(pricedOptions);
  }

  const vintageYear = rng.int(2015, 2025);
  const qualifier = rng.chance(0.5) ? rng.pick(vocab.qualifiers) : rng.pick(COMMON_QUALIFIERS);
  const [title, titleZh] = rng.pick(TITLE_TEMPLATES)(subject, place, vintageYear, qualifier);
  const [detailEn, detailZh] = subject.detail ?? rng.pick(vocab.details);
  const [freqEn, freqZh] = FREQUENCY_TEXT[updateFrequency];
  const [deliveryEn, deliveryZh] = DELIVERY_TEXT[delivery];
  const first = rng.int(0, vocab.keywords.length - 1);
  const second = (first + rng.int(1, vocab.keywords.length - 1)) % vocab.keywords.length;

  return {
    provider,
    category,
    type,
    title,
    titleZh,
    description: `${subject.en} for ${place.en}. ${detailEn} ${providedByText(provider)} Update frequency: ${freqEn}. Delivery: ${deliveryEn}.`,
    descriptionZh: `${place.zh}${subject.zh}。${detailZh}数据提供方：${provider.nameZh}。更新频率：${freqZh}；交付方式：${deliveryZh}。`,
    keywords: [vocab.keywords[first][0], vocab.keywords[first][1], vocab.keywords[second][0], vocab.keywords[second][1], place.enShort, place.zhShort],
    securityLevel,
    personalInfo,
    containsMinorsData,
    dataOrigin: subject.origin ?? originFor(provider.kind, rng),
    delivery,
    updateFrequency,
    spatialCoverage,
    priceOption,
    pricedOptions,
    vintageYear,
  };
}

const START_MS = Date.UTC(2015, 0, 1);
/** The last date a price may take effect or a listing may be updated. */
const END_MS = Date.UTC(2026, 9, 31, 23, 59);
const DAY_MS = 86_400_000;
const HISTORY_LENGTHS: readonly Weighted<number>[] = [
  [1, 30],
  [2, 25],
  [3, 20],
  [4, 12],
  [5, 8],
  [6, 5],
];

const MINUTE_MS = 60_000;
const toMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/**
 * ISO text of a whole-minute time. Date#toISOString was the largest cost of generating rows, and
 * there are only about 4,300 days and 1,440 minutes a day, so both halves are cached.
 */
const dayTexts = new Map<number, string>();
const minuteTexts: string[] = Array.from(
  { length: 1440 },
  (_, m) => `T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00.000Z`,
);
function iso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let dayText = dayTexts.get(day);
  if (dayText === undefined) dayTexts.set(day, (dayText = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  return dayText + minuteTexts[Math.floor((ms - day * DAY_MS) / MINUTE_MS)];
}

/** Decimal text with the option's decimals, trailing zeros beyond two dropped ("0.010" → "0.01"). */
export function formatAmount(value: number, decimals: number): string {
  const text = value.toFixed(Math.max(2, decimals));
  return decimals > 2 ? text.replace(/(\.\d\d\d*?)0+$/, '$1') : text;
}

/** A round-looking amount: thousands to the hundred, hundreds to the yuan, small amounts to the option's decimals. */
function roundAmount(value: number, decimals: number): number {
  const step = value >= 10_000 ? 100 : value >= 1000 ? 10 : value >= 100 ? 1 : 10 ** -decimals;
  return Math.max(10 ** -decimals, Math.round(value / step) * step);
}

function drawAmount(rng: Rng, option: PriceOption): number {
  if (option.min === option.max) return option.min;
  // Wide ranges (tens to hundreds of thousands) are drawn on a log scale so small deals are as common as big ones.
  const value = option.max / option.min > 20 ? option.min * (option.max / option.min) ** rng.next() : rng.float(option.min, option.max);
  return Math.min(option.max, Math.max(option.min, roundAmount(value, option.decimals)));
}

function pricePoint(option: PriceOption, amount: number, atMs: number): PricePointRecord {
  const text = option.model === 'FREE' ? '0.00' : option.model === 'NEGOTIABLE' ? null : formatAmount(amount, option.decimals);
  return { model: option.model, amount: text, effectiveAt: iso(atMs) };
}

/** Dates of the price changes, strictly increasing and never past END_MS. */
function changeTimes(rng: Rng, earliestMs: number, wanted: number): number[] {
  const times = [toMinute(earliestMs + rng.next() * 0.85 * (END_MS - earliestMs))];
  while (times.length < wanted) {
    const last = times[times.length - 1];
    const next = toMinute(last + (END_MS - last) * rng.float(0.15, 0.6));
    if (next - last < DAY_MS) break;
    times.push(next);
  }
  return times;
}

/**
 * `n` different amounts of one price option, each as drawAmount would draw it: the prices of one product
 * cross-listed on `n` exchanges (a range too narrow for that many round amounts is stepped past its top).
 */
export function distinctAmounts(rng: Rng, option: PriceOption, n: number): number[] {
  const amounts: number[] = [];
  for (let tries = 0; amounts.length < n && tries < 50 * n; tries++) {
    const amount = drawAmount(rng, option);
    if (!amounts.includes(amount)) amounts.push(amount);
  }
  while (amounts.length < n) amounts.push(Math.max(...amounts, option.min) + 10 ** -option.decimals);
  return amounts;
}

/** The listing's price history and dates; `currentAmount` (a priced product's price here) is drawn when not given. */
export function buildListingTerms(rng: Rng, product: Product, currentAmount?: number): ListingTerms {
  const current = product.priceOption;
  const currentIsPriced = isPriced(current.model);
  let wanted = rng.weightedPick(HISTORY_LENGTHS);
  // A free or negotiable product at most had one earlier, priced offer.
  if (!currentIsPriced) wanted = product.pricedOptions.length > 0 ? Math.min(wanted, 2) : 1;
  const times = changeTimes(rng, Math.max(START_MS, Date.UTC(product.vintageYear, 0, 1)), wanted);

  const points: PricePointRecord[] = new Array(times.length);
  let option = current;
  const drawn = drawAmount(rng, current);
  let amount = currentIsPriced && currentAmount !== undefined ? currentAmount : drawn;
  points[times.length - 1] = pricePoint(option, amount, times[times.length - 1]);
  for (let k = times.length - 2; k >= 0; k--) {
    if (!currentIsPriced) {
      option = rng.pick(product.pricedOptions);
      amount = drawAmount(rng, option);
    } else {
      // Prices drift; an earlier price is up to a quarter lower or a third higher, never the same.
      const earlier = roundAmount(amount * rng.float(0.75, 1.35), option.decimals);
      amount = earlier === amount ? amount + 10 ** -option.decimals : earlier;
    }
    points[k] = pricePoint(option, amount, times[k]);
  }
  const lastMs = times[times.length - 1];
  return {
    priceHistory: points,
    listedAt: points[0].effectiveAt,
    updatedAt: iso(toMinute(lastMs + rng.next() * Math.min(END_MS - lastMs, 180 * DAY_MS))),
    complianceAssessed: rng.chance(0.97),
  };
}
