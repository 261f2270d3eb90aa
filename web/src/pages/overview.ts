import { exchangeNames, graphql, type ExchangeInfo } from '../api.ts';
import { chart, disposeChartsIn, LEGEND_GRID } from '../charts.ts';
import { h, section, table } from '../dom.ts';
import { enumValues, exchangeName, label, lang, shortExchangeName, t, titleOf } from '../i18n.ts';
import { age, percent, price } from '../format.ts';
import { missingBanner } from './banner.ts';
import { datasetHref, searchHref } from '../route.ts';
import { recentChanges, watchPrices } from '../live.ts';

interface Bucket {
  keys: string[];
  count: number;
  pricedCount?: number;
  distinctProviders?: number;
  min?: string | null;
  p25?: string | null;
  p50?: string | null;
  p75?: string | null;
  max?: string | null;
}

interface Stats {
  buckets: (Bucket | null)[];
  missingExchanges: string[];
}

const STAT_FIELDS = '{ buckets { keys count } missingExchanges }';

/**
 * Every figure is an aggregate the API computes (priceStatistics over the whole catalog, grouped); the
 * newest listing per exchange dates its catalog version. Nothing pages through listings.
 */
function overviewQuery(ids: string[]): string {
  return `query Overview {
    ${priceDependentFields(ids)}
    byCategory: priceStatistics(groupBy: [EXCHANGE, CATEGORY]) ${STAT_FIELDS}
    kinds: priceStatistics(groupBy: [EXCHANGE, PROVIDER_KIND]) { buckets { keys count distinctProviders } missingExchanges }
    assessed: priceStatistics(groupBy: [EXCHANGE, COMPLIANCE_ASSESSED]) ${STAT_FIELDS}
    personal: priceStatistics(groupBy: [EXCHANGE, PERSONAL_INFO]) ${STAT_FIELDS}
    minors: priceStatistics(groupBy: [EXCHANGE, CONTAINS_MINORS_DATA]) ${STAT_FIELDS}
    security: priceStatistics(groupBy: [EXCHANGE, SECURITY_LEVEL]) ${STAT_FIELDS}
  }`;
}

/** What a price change can move: the tiles (catalog version, last change), the price quartiles, the pricing models' shares. */
function priceDependentFields(ids: string[]): string {
  const latest = ids.map((id, i) => `latest${i}: datasets(filter: { exchanges: [${JSON.stringify(id)}] }, first: 1) { nodes { updatedAt } }`).join('\n');
  return `exchanges { id name nameZh city status latencyMs lastSeenAt datasetCount providerCount catalogVersion }
    prices: priceStatistics(groupBy: [PRICING_MODEL, CATEGORY]) { buckets { keys count pricedCount min p25 p50 p75 max } missingExchanges }
    pricing: priceStatistics(groupBy: [EXCHANGE, PRICING_MODEL]) ${STAT_FIELDS}
    ${latest}`;
}

/** After a burst of price changes, the overview asks again once for what they can move (no reload). */
const REFRESH_DEBOUNCE_MS = 1500;

type OverviewData = {
  exchanges: (ExchangeInfo | null)[];
  byCategory: Stats;
  kinds: Stats;
  prices: Stats;
  pricing: Stats;
  assessed: Stats;
  personal: Stats;
  minors: Stats;
  security: Stats;
} & Record<string, { nodes: ({ updatedAt: string } | null)[] } | unknown>;

function buckets(stats: Stats | null | undefined): Bucket[] {
  return (stats?.buckets ?? []).filter((b): b is Bucket => b !== null);
}

/** Sum of counts per exchange id, where the second key passes `when`. */
function countBy(stats: Stats, when: (key: string) => boolean = () => true): Map<string, number> {
  const counts = new Map<string, number>();
  for (const b of buckets(stats)) if (when(b.keys[1])) counts.set(b.keys[0], (counts.get(b.keys[0]) ?? 0) + b.count);
  return counts;
}

function tile(e: ExchangeInfo, latest: string | null): HTMLElement {
  return h(
    'article',
    { class: `tile status-${e.status.toLowerCase()}`, 'data-exchange': e.id },
    h('h3', {}, exchangeName(e), h('small', {}, ` ${e.id}`)),
    h('p', { class: 'status', 'data-status': e.status }, e.status),
    h(
      'dl',
      {},
      h('dt', {}, t('tile.latency')),
      h('dd', {}, e.latencyMs === null ? '–' : `${e.latencyMs} ms`),
      h('dt', {}, t('tile.datasets')),
      h('dd', { 'data-field': 'datasets' }, e.datasetCount ?? '–'),
      h('dt', {}, t('tile.providers')),
      h('dd', {}, e.providerCount ?? '–'),
      h('dt', {}, t('tile.version')),
      h('dd', {}, e.catalogVersion ?? '–', h('br'), h('small', {}, `${t('tile.lastChange')} ${age(latest)}`)),
      h('dt', {}, t('tile.lastSeen')),
      h('dd', {}, age(e.lastSeenAt)),
    ),
  );
}

/** Listings per category, one stacked bar per category, one series (colour) per exchange. */
function categoryChart(exchanges: ExchangeInfo[], stats: Stats): HTMLElement {
  const categories = enumValues('Category').filter((c) => buckets(stats).some((b) => b.keys[1] === c));
  const series = exchanges.map((e) => ({
    name: shortExchangeName(e),
    type: 'bar',
    stack: 'all',
    data: categories.map((c) => buckets(stats).find((b) => b.keys[0] === e.id && b.keys[1] === c)?.count ?? 0),
  }));
  return chart(
    'by-category',
    { ...LEGEND_GRID, xAxis: { type: 'value' }, yAxis: { type: 'category', data: categories.map((c) => label('Category', c)), inverse: true }, series },
    Math.max(280, 70 + categories.length * 24),
  );
}

/** Distinct providers per kind, one stacked bar per exchange, one series per kind. */
function providerKindChart(exchanges: ExchangeInfo[], stats: Stats): HTMLElement {
  const series = enumValues('ProviderKind')
    .map((kind) => ({
      name: label('ProviderKind', kind),
      type: 'bar',
      stack: 'all',
      data: exchanges.map((e) => buckets(stats).find((b) => b.keys[0] === e.id && b.keys[1] === kind)?.distinctProviders ?? 0),
    }))
    .filter((s) => s.data.some((v) => v > 0));
  return chart(
    'provider-kinds',
    {
      ...LEGEND_GRID,
      // Six kinds: two rows of legend above the bars.
      grid: { ...LEGEND_GRID.grid, top: 64 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: exchanges.map(shortExchangeName), inverse: true },
      series,
    },
    Math.max(280, 120 + exchanges.length * 50),
  );
}

/** Box plots of the quartiles of one pricing model's prices, per category (min, p25, p50, p75, max). */
function priceBoxes(stats: Stats, model: string): HTMLElement {
  const rows = buckets(stats).filter((b) => b.keys[0] === model && (b.pricedCount ?? 0) > 0);
  const num = (v: string | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
  return chart(
    `prices-${model}`,
    {
      grid: { top: 16, left: 8, right: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: 'item', confine: true },
      xAxis: { type: 'log', name: '¥', logBase: 10 },
      yAxis: { type: 'category', data: rows.map((b) => `${label('Category', b.keys[1])} (${b.pricedCount})`), inverse: true },
      series: [{ type: 'boxplot', data: rows.map((b) => [b.min, b.p25, b.p50, b.p75, b.max].map((v) => Math.max(num(v), 0.01))) }],
    },
    Math.max(240, 40 + rows.length * 26),
  );
}

function transparencyTable(exchanges: ExchangeInfo[], data: OverviewData, missing: string[]): HTMLTableElement {
  const total = countBy(data.pricing);
  const negotiable = countBy(data.pricing, (k) => k === 'NEGOTIABLE');
  const assessed = countBy(data.assessed, (k) => k === 'true');
  const personal = countBy(data.personal, (k) => k !== 'NONE');
  const minors = countBy(data.minors, (k) => k === 'true');
  const general = countBy(data.security, (k) => k === 'GENERAL');
  const important = countBy(data.security, (k) => k === 'IMPORTANT');
  const rows = exchanges.map((e) => {
    // An exchange that did not answer has no figures, which is not the same as zero listings.
    if (missing.includes(e.id)) return [exchangeName(e), ...Array<string>(7).fill('–')];
    const n = total.get(e.id) ?? 0;
    const neg = negotiable.get(e.id) ?? 0;
    return [
      exchangeName(e),
      n,
      percent(n - neg, n),
      percent(neg, n),
      percent(assessed.get(e.id) ?? 0, n),
      `${personal.get(e.id) ?? 0} (${percent(personal.get(e.id) ?? 0, n)})`,
      h('a', { href: searchHref(new URLSearchParams({ ex: e.id, minors: 'true' })) }, `${minors.get(e.id) ?? 0} (${percent(minors.get(e.id) ?? 0, n)})`),
      `${percent(general.get(e.id) ?? 0, n)} / ${percent(important.get(e.id) ?? 0, n)}`,
    ];
  });
  return table(
    ['tr.exchange', 'tr.listings', 'tr.publicPrice', 'tr.negotiable', 'tr.assessed', 'tr.personal', 'tr.minors', 'tr.security'].map((k) =>
      t(k as Parameters<typeof t>[0]),
    ),
    rows,
    { class: 'transparency', 'data-table': 'transparency' },
  );
}

function missingOf(data: OverviewData): string[] {
  const all = [data.byCategory, data.kinds, data.prices, data.pricing, data.assessed, data.personal, data.minors, data.security];
  return [...new Set(all.flatMap((s) => s?.missingExchanges ?? []))].sort();
}

/** The overview's live feed: the last price changes, newest first (docs/web-app.md#live-prices). */
function liveFeed(): HTMLElement {
  const changes = recentChanges();
  if (changes.length === 0) return h('p', { class: 'waiting' }, t('live.waiting'));
  const time = (iso: string) => new Date(iso).toLocaleTimeString(lang() === 'zh' ? 'zh-CN' : 'en-GB');
  const rows = changes.map((c) => [
    time(c.changedAt),
    shortExchangeName(c.dataset.exchange),
    h('a', { href: datasetHref(c.dataset.id), 'data-dataset': c.dataset.id }, titleOf(c.dataset)),
    c.previous ? price(c.previous) : '–',
    price(c.current),
  ]);
  const feed = table([t('live.time'), t('col.exchange'), t('col.title'), t('live.previous'), t('live.current')], rows, { 'data-table': 'live-feed' });
  feed.querySelector('tbody tr')?.classList.add('fresh');
  return feed;
}

export async function renderOverview(): Promise<Node> {
  const ids = (await exchangeNames()).map((e) => e.id);
  const { data } = await graphql<OverviewData>(overviewQuery(ids));
  const missing = missingOf(data);
  const models = enumValues('PricingModel').filter((m) => buckets(data.prices).some((b) => b.keys[0] === m && (b.pricedCount ?? 0) > 0 && m !== 'FREE'));
  const modelSelect = h(
    'select',
    { id: 'price-model', 'aria-label': t('overview.pricingModel') },
    ...models.map((m) => h('option', { value: m }, label('PricingModel', m))),
  );
  modelSelect.value = models.includes('ANNUAL') ? 'ANNUAL' : (models[0] ?? '');
  const tiles = h('div', { class: 'tiles' });
  const boxes = h('div', {});
  const transparency = h('div', {});
  const feed = h('div', { class: 'live-feed' }, liveFeed());
  /** Draws what a price change can move, from `data` as it is now. */
  const draw = () => {
    const exchanges = data.exchanges.filter((e): e is ExchangeInfo => e !== null);
    const latest = (id: string) => (data[`latest${ids.indexOf(id)}`] as { nodes: ({ updatedAt: string } | null)[] } | null)?.nodes[0]?.updatedAt ?? null;
    tiles.replaceChildren(...exchanges.map((e) => tile(e, latest(e.id))));
    disposeChartsIn(boxes);
    boxes.replaceChildren(modelSelect.value ? priceBoxes(data.prices, modelSelect.value) : '');
    transparency.replaceChildren(transparencyTable(exchanges, data, missing));
  };
  draw();
  modelSelect.addEventListener('change', draw);

  const exchanges = data.exchanges.filter((e): e is ExchangeInfo => e !== null);
  const view = h(
    'div',
    { class: 'overview' },
    h('h1', {}, t('overview.title')),
    missingBanner(missing, exchanges),
    section(t('overview.exchanges'), tiles),
    section(t('live.title'), feed),
    h(
      'div',
      { class: 'grid2' },
      section(t('overview.byCategory'), categoryChart(exchanges, data.byCategory)),
      section(t('overview.providerKinds'), providerKindChart(exchanges, data.kinds)),
    ),
    section(t('overview.prices'), h('label', {}, `${t('overview.pricingModel')} `, modelSelect), boxes),
    section(t('overview.transparency'), transparency),
  );
  followPrices(view, feed, ids, data, draw);
  return view;
}

/**
 * Live: every change goes on the feed at once; what it can move (tiles, quartiles, pricing shares) is asked
 * again once per burst, REFRESH_DEBOUNCE_MS after its first change, and redrawn in place. `data-refreshed`
 * counts the redraws (the browser tests wait for it).
 */
function followPrices(view: HTMLElement, feed: HTMLElement, ids: string[], data: OverviewData, draw: () => void): void {
  let pending: number | undefined;
  let refreshed = 0;
  const refresh = async () => {
    pending = undefined;
    try {
      const fresh = await graphql<Partial<OverviewData>>(`query OverviewPrices { ${priceDependentFields(ids)} }`);
      if (!view.isConnected) return;
      Object.assign(data, fresh.data);
      draw();
      view.dataset.refreshed = String(++refreshed);
    } catch {
      // The figures shown stay; the next change asks again.
    }
  };
  watchPrices(view, () => {
    feed.replaceChildren(liveFeed());
    pending ??= window.setTimeout(() => void refresh(), REFRESH_DEBOUNCE_MS);
  });
}
