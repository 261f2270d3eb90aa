import { DATASET_ROW, exchangeNames, graphql, type DatasetPage, type DatasetRow } from '../api.ts';
import { chart } from '../charts.ts';
import { fields, h, section, table } from '../dom.ts';
import { exchangeName, label, shortExchangeName, t, titleOf } from '../i18n.ts';
import { date, price } from '../format.ts';
import { datasetHref, providerHref } from '../route.ts';
import { missingBanner } from './banner.ts';

const PAGE_SIZE = 50;

interface ProviderDetail {
  uscc: string;
  name: string;
  nameZh: string;
  kind: string;
  province: string;
  divisionCode: string;
  listingsByExchange: { exchange: { id: string; name: string; nameZh: string }; count: number }[] | null;
  datasets: DatasetPage;
}

const QUERY = `query Provider($uscc: ID!, $first: Int, $after: String) {
  provider(uscc: $uscc) {
    uscc name nameZh kind province divisionCode
    listingsByExchange { exchange { id name nameZh } count }
    datasets(sort: TITLE_ASC, first: $first, after: $after) {
      totalCount missingExchanges pageInfo { hasNextPage endCursor } nodes { ${DATASET_ROW} }
    }
  }
}`;

export async function renderProvider(uscc: string, params: URLSearchParams): Promise<Node> {
  const after = params.get('after');
  const [{ data }, exchanges] = await Promise.all([graphql<{ provider: ProviderDetail | null }>(QUERY, { uscc, first: PAGE_SIZE, after }), exchangeNames()]);
  const p = data.provider;
  if (!p) return h('p', { class: 'error', role: 'alert' }, `${t('pv.notFound')} ${uscc}`);
  const byExchange = p.listingsByExchange ?? [];
  const rows = p.datasets.nodes.filter((d): d is DatasetRow => d !== null);
  const next = p.datasets.pageInfo.hasNextPage && p.datasets.pageInfo.endCursor;
  return h(
    'div',
    { class: 'provider', 'data-uscc': p.uscc },
    h('h1', {}, titleOf({ title: p.name, titleZh: p.nameZh })),
    missingBanner(p.datasets.missingExchanges, exchanges),
    h(
      'div',
      { class: 'grid2' },
      section(
        t('pv.title'),
        fields([
          [t('f.name'), `${p.name} · ${p.nameZh}`],
          [t('f.uscc'), p.uscc],
          [t('f.kind'), label('ProviderKind', p.kind)],
          [t('f.province'), p.province],
          [t('f.division'), p.divisionCode],
        ]),
      ),
      section(
        t('pv.byExchange'),
        chart(
          'provider-exchanges',
          {
            grid: { top: 16, left: 8, right: 24, bottom: 8, containLabel: true },
            xAxis: { type: 'value', minInterval: 1 },
            yAxis: { type: 'category', data: byExchange.map((b) => exchangeName(b.exchange)) },
            series: [{ type: 'bar', data: byExchange.map((b) => b.count), label: { show: true, position: 'right' } }],
          },
          Math.max(160, 60 + byExchange.length * 40),
        ),
      ),
    ),
    section(
      `${t('pv.datasets')} (${p.datasets.totalCount})`,
      table(
        [t('col.title'), t('col.exchange'), t('col.category'), t('col.price'), t('col.updated')],
        rows.map((d) => [
          h('a', { href: datasetHref(d.id), 'data-dataset': d.id }, titleOf(d)),
          shortExchangeName(d.exchange),
          label('Category', d.category),
          price(d.price),
          date(d.updatedAt),
        ]),
        { 'data-table': 'provider-datasets' },
      ),
      h(
        'nav',
        { class: 'pager' },
        after ? h('a', { class: 'button', href: providerHref(p.uscc) }, `⇤ ${t('search.first')}`) : null,
        next ? h('a', { class: 'button', rel: 'next', href: `${providerHref(p.uscc)}?after=${encodeURIComponent(next)}` }, `${t('search.next')} →`) : null,
      ),
    ),
  );
}
