import { DATASET_ROW, exchangeNames, graphql, type DatasetPage, type DatasetRow, type ExchangeInfo } from '../api.ts';
import { h, table } from '../dom.ts';
import { enumValues, label, shortExchangeName, t, titleOf, type EnumName } from '../i18n.ts';
import { date, price } from '../format.ts';
import { datasetHref, providerHref, searchHref } from '../route.ts';
import { missingBanner } from './banner.ts';

export const PAGE_SIZE = 20;

/** URL parameter → DatasetFilter list field, with the enum its values come from. */
const LIST_FACETS: { param: string; field: string; enumName: EnumName | null; key: Parameters<typeof t>[0] }[] = [
  { param: 'ex', field: 'exchanges', enumName: null, key: 'search.exchange' },
  { param: 'cat', field: 'categories', enumName: 'Category', key: 'search.category' },
  { param: 'type', field: 'types', enumName: 'DatasetType', key: 'search.type' },
  { param: 'pm', field: 'pricingModels', enumName: 'PricingModel', key: 'search.pricingModel' },
  { param: 'pi', field: 'personalInfo', enumName: 'PersonalInfo', key: 'search.personalInfo' },
  { param: 'sec', field: 'securityLevels', enumName: 'SecurityLevel', key: 'search.security' },
];

const SORTS = enumValues('DatasetSort');

function list(params: URLSearchParams, name: string): string[] {
  return (params.get(name) ?? '').split(',').filter(Boolean);
}

/** The DatasetFilter the URL describes (the same JSON the CSV export takes). */
export function filterOf(params: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  const text = params.get('q')?.trim();
  if (text) filter.text = text;
  for (const facet of LIST_FACETS) {
    const values = list(params, facet.param);
    if (values.length) filter[facet.field] = values;
  }
  for (const [param, field] of [
    ['min', 'minPrice'],
    ['max', 'maxPrice'],
  ]) {
    const value = params.get(param)?.trim();
    if (value) filter[field] = value;
  }
  const minors = params.get('minors');
  if (minors === 'true' || minors === 'false') filter.containsMinorsData = minors === 'true';
  return filter;
}

export function sortOf(params: URLSearchParams): string {
  const sort = params.get('sort') ?? 'UPDATED_DESC';
  if (!SORTS.includes(sort)) return 'UPDATED_DESC';
  // RELEVANCE needs words to rank by.
  return sort === 'RELEVANCE' && !params.get('q')?.trim() ? 'UPDATED_DESC' : sort;
}

/** The same search from its first page: any change of filter or sort starts over. */
function withChange(params: URLSearchParams, change: (next: URLSearchParams) => void): string {
  const next = new URLSearchParams(params);
  next.delete('after');
  next.delete('page');
  change(next);
  for (const [key, value] of [...next.entries()]) if (value === '') next.delete(key);
  return searchHref(next);
}

function checkboxes(params: URLSearchParams, facet: (typeof LIST_FACETS)[number], options: { value: string; text: string }[]): HTMLElement {
  const chosen = new Set(list(params, facet.param));
  return h(
    'fieldset',
    { 'data-facet': facet.param },
    h('legend', {}, t(facet.key)),
    ...options.map((o) => {
      const box = h('input', { type: 'checkbox', value: o.value, name: facet.param });
      box.checked = chosen.has(o.value);
      box.addEventListener('change', () => {
        location.hash = withChange(params, (next) => {
          const values = new Set(list(params, facet.param));
          if (box.checked) values.add(o.value);
          else values.delete(o.value);
          next.set(facet.param, [...values].join(','));
        });
      });
      return h('label', {}, box, ` ${o.text}`);
    }),
  );
}

function choice(params: URLSearchParams, param: string, key: Parameters<typeof t>[0], options: [string, string][]): HTMLElement {
  const select = h('select', { name: param }, ...options.map(([value, text]) => h('option', { value }, text)));
  select.value = params.get(param) ?? '';
  select.addEventListener('change', () => (location.hash = withChange(params, (next) => next.set(param, select.value))));
  return h('label', { class: 'choice' }, `${t(key)} `, select);
}

function facets(params: URLSearchParams, exchanges: ExchangeInfo[]): HTMLElement {
  const min = h('input', { type: 'text', inputmode: 'decimal', name: 'min', placeholder: t('search.min'), size: '7', value: params.get('min') ?? '' });
  const max = h('input', { type: 'text', inputmode: 'decimal', name: 'max', placeholder: t('search.max'), size: '7', value: params.get('max') ?? '' });
  const priceForm = h('form', { class: 'price-range' }, min, ' – ', max, h('button', { type: 'submit' }, '✓'));
  priceForm.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = withChange(params, (next) => {
      next.set('min', min.value.trim());
      next.set('max', max.value.trim());
    });
  });
  return h(
    'aside',
    { class: 'facets' },
    ...LIST_FACETS.filter((f) => f.param !== 'pi' && f.param !== 'sec').map((f) =>
      checkboxes(
        params,
        f,
        f.enumName
          ? enumValues(f.enumName).map((v) => ({ value: v, text: label(f.enumName!, v) }))
          : exchanges.map((e) => ({ value: e.id, text: shortExchangeName(e) })),
      ),
    ),
    h('fieldset', {}, h('legend', {}, t('search.price')), priceForm),
    checkboxes(
      params,
      LIST_FACETS.find((f) => f.param === 'pi')!,
      enumValues('PersonalInfo').map((v) => ({ value: v, text: label('PersonalInfo', v) })),
    ),
    choice(params, 'minors', 'search.minors', [
      ['', t('search.any')],
      ['true', t('search.yes')],
      ['false', t('search.no')],
    ]),
    checkboxes(
      params,
      LIST_FACETS.find((f) => f.param === 'sec')!,
      enumValues('SecurityLevel')
        .filter((v) => v !== 'CORE')
        .map((v) => ({ value: v, text: label('SecurityLevel', v) })),
    ),
    h('p', {}, h('a', { href: '#/search' }, t('search.reset'))),
  );
}

function searchBox(params: URLSearchParams): HTMLElement {
  const input = h('input', { type: 'search', name: 'q', placeholder: t('search.text'), value: params.get('q') ?? '', 'aria-label': t('search.text') });
  const form = h('form', { class: 'searchbox', role: 'search' }, input, h('button', { type: 'submit' }, t('search.go')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = withChange(params, (next) => next.set('q', input.value.trim()));
  });
  const sort = h('select', { name: 'sort', 'aria-label': t('search.sort') }, ...SORTS.map((s) => h('option', { value: s }, label('DatasetSort', s))));
  sort.value = sortOf(params);
  sort.addEventListener('change', () => (location.hash = withChange(params, (next) => next.set('sort', sort.value))));
  return h('div', { class: 'searchbar' }, form, h('label', {}, `${t('search.sort')} `, sort));
}

function resultsTable(rows: DatasetRow[]): HTMLElement {
  return table(
    ['col.title', 'col.exchange', 'col.category', 'col.type', 'col.price', 'col.provider', 'col.updated'].map((k) => t(k as Parameters<typeof t>[0])),
    rows.map((d) => [
      h('a', { href: datasetHref(d.id), 'data-dataset': d.id }, titleOf(d)),
      shortExchangeName(d.exchange),
      label('Category', d.category),
      label('DatasetType', d.type),
      price(d.price),
      d.provider
        ? h(
            'a',
            { href: providerHref(d.provider.uscc), 'data-provider': d.provider.uscc },
            d.provider.name && titleOf({ title: d.provider.name, titleZh: d.provider.nameZh }),
          )
        : '–',
      date(d.updatedAt),
    ]),
    { class: 'results', 'data-table': 'results' },
  );
}

export async function renderSearch(params: URLSearchParams): Promise<Node> {
  const exchanges = await exchangeNames();
  const filter = filterOf(params);
  const sort = sortOf(params);
  const after = params.get('after');
  const pageNumber = Math.max(1, Number(params.get('page')) || 1);
  const { data } = await graphql<{ datasets: DatasetPage }>(
    `query Search($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
      datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
        totalCount missingExchanges pageInfo { hasNextPage endCursor } nodes { ${DATASET_ROW} }
      }
    }`,
    { filter, sort, first: PAGE_SIZE, after },
  );
  const page = data.datasets;
  const rows = page.nodes.filter((d): d is DatasetRow => d !== null);
  const first = (pageNumber - 1) * PAGE_SIZE + 1;
  const exportHref = `/export/datasets.csv?${new URLSearchParams({ filter: JSON.stringify(filter), sort }).toString()}`;
  const next =
    page.pageInfo.hasNextPage && page.pageInfo.endCursor
      ? h(
          'a',
          {
            class: 'button',
            rel: 'next',
            'data-next': '',
            href: searchHref(
              (() => {
                const p = new URLSearchParams(params);
                p.set('after', page.pageInfo.endCursor!);
                p.set('page', String(pageNumber + 1));
                return p;
              })(),
            ),
          },
          `${t('search.next')} →`,
        )
      : null;
  return h(
    'div',
    { class: 'search' },
    h('h1', {}, t('search.title')),
    searchBox(params),
    h(
      'div',
      { class: 'with-facets' },
      facets(params, exchanges),
      h(
        'div',
        { class: 'results-pane' },
        missingBanner(page.missingExchanges, exchanges),
        h(
          'p',
          { class: 'summary' },
          h('strong', { 'data-total': String(page.totalCount) }, page.totalCount.toLocaleString()),
          ` ${t('search.total')}`,
          rows.length ? ` · ${t('search.rows')} ${first}–${first + rows.length - 1}` : '',
          ' · ',
          h('a', { href: exportHref, download: '' }, t('search.export')),
        ),
        rows.length ? resultsTable(rows) : h('p', {}, t('search.none')),
        h('nav', { class: 'pager' }, after ? h('a', { class: 'button', href: withChange(params, () => {}) }, `⇤ ${t('search.first')}`) : null, next),
      ),
    ),
  );
}
