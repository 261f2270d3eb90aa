import { DATASET_ROW, exchangeNames, graphql, type DatasetRow, type Price } from '../api.ts';
import { chart, disposeChartsIn, updateSeries } from '../charts.ts';
import { watchPrices, type LiveChange } from '../live.ts';
import { fields, h, section, table } from '../dom.ts';
import { exchangeName, label, lang, t, titleOf } from '../i18n.ts';
import { date, enumList, price, yesNo } from '../format.ts';
import { datasetHref, providerHref } from '../route.ts';
import { missingBanner } from './banner.ts';

interface DatasetDetail extends DatasetRow {
  productCode: string;
  description: string;
  descriptionZh: string;
  keywords: string[];
  securityLevel: string;
  personalInfo: string;
  containsMinorsData: boolean;
  dataOrigin: string;
  delivery: string;
  updateFrequency: string;
  spatialCoverage: string[];
  complianceAssessed: boolean;
  listedAt: string;
  priceHistory: (Price & { effectiveAt: string })[];
  provider:
    | (DatasetRow['provider'] & {
        province: string;
        divisionCode: string;
        datasets: { totalCount: number; nodes: (DatasetRow | null)[] };
      })
    | null;
}

const DETAIL_QUERY = `query Dataset($id: ID!) {
  dataset(id: $id) {
    ${DATASET_ROW}
    productCode description descriptionZh keywords securityLevel personalInfo containsMinorsData dataOrigin delivery
    updateFrequency spatialCoverage complianceAssessed listedAt
    priceHistory { model amount currency effectiveAt }
    provider { uscc name nameZh kind province divisionCode datasets(first: 11) { totalCount nodes { ${DATASET_ROW} } } }
  }
}`;

const SAME_PRODUCT_QUERY = `query SameProduct($code: String!) {
  datasets(filter: { productCode: $code }, sort: PRICE_ASC, first: 50) { missingExchanges nodes { ${DATASET_ROW} } }
}`;

type Point = [string, number | null];
const point = (at: string, p: Price): Point => [at, p.amount === null ? null : Number(p.amount)];

/** The price history; `points` is the series' own array, so a live change pushed on it is drawn even before the first paint. */
function historyChart(d: DatasetDetail, points: Point[]): HTMLElement {
  return chart('price-history', {
    grid: { top: 24, left: 8, right: 24, bottom: 8, containLabel: true },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: `¥ (${label('PricingModel', d.price.model)})`, scale: true },
    series: [{ type: 'line', step: 'end', symbolSize: 8, data: points, name: titleOf(d) }],
  });
}

function sameProductChart(listings: DatasetRow[]): HTMLElement {
  const priced = listings.filter((l) => l.price.amount !== null);
  return chart(
    'same-product',
    {
      grid: { top: 16, left: 8, right: 24, bottom: 8, containLabel: true },
      xAxis: { type: 'value', name: '¥' },
      yAxis: { type: 'category', data: priced.map((l) => `${exchangeName(l.exchange)} · ${label('PricingModel', l.price.model)}`) },
      series: [{ type: 'bar', data: priced.map((l) => Number(l.price.amount)), label: { show: true, position: 'right' } }],
    },
    Math.max(160, 60 + priced.length * 40),
  );
}

function everyField(d: DatasetDetail): HTMLElement {
  const zh = lang() === 'zh';
  return fields([
    ['id', d.id],
    ['productCode', d.productCode],
    ['title', d.title],
    ['titleZh', d.titleZh],
    ['description', zh ? d.descriptionZh : d.description],
    [zh ? 'description (en)' : 'descriptionZh', zh ? d.description : d.descriptionZh],
    ['exchange', exchangeName(d.exchange)],
    ['type', label('DatasetType', d.type)],
    ['category', label('Category', d.category)],
    ['keywords', d.keywords.join(', ')],
    ['price', livePrice(d.id, d.price)],
    ['securityLevel', label('SecurityLevel', d.securityLevel)],
    ['personalInfo', label('PersonalInfo', d.personalInfo)],
    ['containsMinorsData', yesNo(d.containsMinorsData)],
    ['dataOrigin', label('DataOrigin', d.dataOrigin)],
    ['delivery', enumList('Delivery', [d.delivery])],
    ['updateFrequency', label('UpdateFrequency', d.updateFrequency)],
    ['spatialCoverage', d.spatialCoverage.join(', ')],
    ['complianceAssessed', yesNo(d.complianceAssessed)],
    ['listedAt', date(d.listedAt)],
    ['updatedAt', date(d.updatedAt)],
  ]);
}

/** A price the live updates rewrite (every one shown for this listing id). */
function livePrice(id: string, p: Price): HTMLElement {
  return h('span', { 'data-price-of': id }, price(p));
}

/** The parts of the page a live change rewrites. */
interface LiveParts {
  view: HTMLElement;
  history: HTMLElement;
  points: Point[];
  /** The same product's listings, and the box of their chart (empty when there is one listing). */
  listings: DatasetRow[];
  compared: HTMLElement;
}

/**
 * Live: a change of this product (this listing or the same product on another exchange) rewrites that
 * listing's price wherever it is shown and redraws the comparison; one of this listing also adds a
 * point to its history.
 */
function followPrices({ view, history, points, listings, compared }: LiveParts, d: DatasetDetail): void {
  watchPrices(view, (change: LiveChange) => {
    const listing = listings.find((l) => l.id === change.dataset.id);
    if (!listing && change.dataset.id !== d.id) return;
    for (const el of view.querySelectorAll<HTMLElement>(`[data-price-of="${CSS.escape(change.dataset.id)}"]`)) {
      el.textContent = price(change.current);
      el.classList.add('changed');
    }
    if (listing) listing.price = change.current;
    if (listing && listings.length > 1) {
      disposeChartsIn(compared);
      compared.replaceChildren(sameProductChart(listings));
    }
    if (change.dataset.id === d.id) {
      points.push(point(change.changedAt, change.current));
      updateSeries(history, [points]);
    }
  });
}

function providerPart(d: DatasetDetail): HTMLElement {
  const p = d.provider;
  if (!p) return section(t('ds.provider'), '–');
  const others = p.datasets.nodes.filter((o): o is DatasetRow => o !== null && o.id !== d.id).slice(0, 10);
  return section(
    t('ds.provider'),
    fields([
      [t('f.name'), h('a', { href: providerHref(p.uscc), 'data-provider': p.uscc }, titleOf({ title: p.name, titleZh: p.nameZh }))],
      [t('f.uscc'), p.uscc],
      [t('f.kind'), label('ProviderKind', p.kind)],
      [t('f.province'), p.province],
      [t('f.division'), p.divisionCode],
    ]),
    h('h3', {}, `${t('ds.otherDatasets')} (${Math.max(0, p.datasets.totalCount - 1)})`),
    h('ul', {}, ...others.map((o) => h('li', {}, h('a', { href: datasetHref(o.id) }, titleOf(o)), ` · ${exchangeName(o.exchange)} · ${price(o.price)}`))),
  );
}

export async function renderDataset(id: string): Promise<Node> {
  const { data } = await graphql<{ dataset: DatasetDetail | null }>(DETAIL_QUERY, { id });
  const d = data.dataset;
  if (!d) return h('p', { class: 'error', role: 'alert' }, `${t('ds.notFound')} ${id}`);
  const [same, exchanges] = await Promise.all([
    graphql<{ datasets: { missingExchanges: string[]; nodes: (DatasetRow | null)[] } }>(SAME_PRODUCT_QUERY, { code: d.productCode }),
    exchangeNames(),
  ]);
  const listings = same.data.datasets.nodes.filter((l): l is DatasetRow => l !== null);
  const elsewhere = listings.filter((l) => l.exchange.id !== d.exchange.id);
  const points = d.priceHistory.map((p) => point(p.effectiveAt, p));
  const history = historyChart(d, points);
  const compared = h('div', {}, listings.length > 1 ? sameProductChart(listings) : null);
  const view = h(
    'div',
    { class: 'dataset', 'data-id': d.id },
    h('h1', {}, titleOf(d)),
    h('p', { class: 'subtitle' }, `${exchangeName(d.exchange)} · ${label('Category', d.category)} · `, livePrice(d.id, d.price)),
    missingBanner(same.data.datasets.missingExchanges, exchanges),
    h('div', { class: 'grid2' }, section(t('ds.fields'), everyField(d)), h('div', {}, section(t('ds.history'), history), providerPart(d))),
    section(
      `${t('ds.sameProduct')} (${d.productCode})`,
      elsewhere.length === 0 ? h('p', {}, t('ds.onlyHere')) : null,
      compared,
      table(
        [t('col.exchange'), t('col.title'), t('col.price'), t('col.updated')],
        listings.map((l) => [
          exchangeName(l.exchange),
          l.id === d.id ? h('strong', {}, titleOf(l)) : h('a', { href: datasetHref(l.id) }, titleOf(l)),
          livePrice(l.id, l.price),
          date(l.updatedAt),
        ]),
        { 'data-table': 'same-product' },
      ),
    ),
  );
  followPrices({ view, history, points, listings, compared }, d);
  return view;
}
