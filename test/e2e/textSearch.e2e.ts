import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import type { DatasetSort } from '../../shared/domain.ts';

/**
 * filter.textFields and filter.synonyms through the gateway, over HTTP, with the real stack (providers,
 * four exchanges, the gateway): the gateway passes the filter to every exchange unchanged and merges, so
 * the merged answer is the union of the exchanges' own answers, and totalCount, pages and statistics agree.
 */
let stack: Stack;
const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];

const PAGE = `query Page($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
    nodes { id title titleZh description descriptionZh keywords }
    pageInfo { hasNextPage endCursor } totalCount missingExchanges } }`;

interface Node {
  id: string;
  title: string;
  titleZh: string;
  description: string;
  descriptionZh: string;
  keywords: string[];
}

async function walk(
  url: string,
  filter: Record<string, unknown>,
  sort: DatasetSort = 'UPDATED_DESC',
  first = 100,
): Promise<{ nodes: Node[]; totalCount: number; pages: number }> {
  const nodes: Node[] = [];
  let after: string | null = null;
  let totalCount = -1;
  let pages = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const data: any = dataOf(await graphql(url, PAGE, { filter, sort, first, after }));
    pages++;
    nodes.push(...data.datasets.nodes);
    expect(data.datasets.missingExchanges).toEqual([]);
    if (totalCount >= 0) expect(data.datasets.totalCount).toBe(totalCount);
    totalCount = data.datasets.totalCount;
    if (!data.datasets.pageInfo.hasNextPage) return { nodes, totalCount, pages };
    after = data.datasets.pageInfo.endCursor;
  }
  throw new Error('walk did not end');
}

/** The ids every exchange returns when asked directly (not through the gateway). */
async function idsOfExchanges(filter: Record<string, unknown>): Promise<Set<string>> {
  const parts = await Promise.all(EXCHANGES.map((id) => walk(stack.exchangeUrls[id], filter)));
  return new Set(parts.flatMap((p) => p.nodes.map((n) => n.id)));
}

const ids = (nodes: Node[]) => new Set(nodes.map((n) => n.id));

beforeAll(async () => {
  stack = await startStack({ perExchange: 400, exchangeTimeoutMs: 2000 });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

describe('gateway: text search researchers can steer', () => {
  it('accepts every exchange of the new contract and serves the arguments in its public schema', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            exchanges {
              id
              status
            }
            __type(name: "DatasetFilter") {
              inputFields {
                name
                defaultValue
                type {
                  name
                  kind
                  ofType {
                    name
                  }
                }
              }
            }
          }
        `,
      ),
    );
    expect(data.exchanges.map((e: any) => e.id).sort()).toEqual(EXCHANGES);
    for (const exchange of data.exchanges) expect(exchange.status).not.toBe('OFFLINE');
    const fields = new Map(data.__type.inputFields.map((f: any) => [f.name, f]));
    expect(fields.get('synonyms')).toMatchObject({ defaultValue: 'true', type: { name: 'Boolean' } });
    expect(fields.get('textFields')).toMatchObject({ type: { kind: 'LIST' } });
  });

  it('finds through the gateway listings written with another member of the group, only with synonyms on', async () => {
    // Written 预防接种 and nowhere 疫苗: asked of each exchange literally.
    const written = await idsOfExchanges({ text: '预防接种', synonyms: false });
    const vaccine = await idsOfExchanges({ text: '疫苗', synonyms: false });
    const onlyBySynonym = [...written].filter((id) => !vaccine.has(id));
    expect(onlyBySynonym.length).toBeGreaterThan(0);
    const on = await walk(stack.gatewayUrl, { text: '疫苗' });
    const off = await walk(stack.gatewayUrl, { text: '疫苗', synonyms: false });
    expect(on.totalCount).toBeGreaterThan(off.totalCount);
    for (const id of onlyBySynonym) expect([ids(on.nodes).has(id), ids(off.nodes).has(id)]).toEqual([true, false]);
    expect(ids(off.nodes)).toEqual(vaccine);
    // The merged answer is the union of the exchanges' answers to the same filter, and its count is the walk's.
    expect(ids(on.nodes)).toEqual(await idsOfExchanges({ text: '疫苗' }));
    expect(on.totalCount).toBe(on.nodes.length);
    expect(off.totalCount).toBe(off.nodes.length);
  });

  it('finds children\'s data for "minors" across exchanges, which no listing title says', async () => {
    const minors = await walk(stack.gatewayUrl, { text: 'minors', textFields: ['TITLE'] }, 'RELEVANCE', 37);
    expect(minors.nodes.length).toBeGreaterThan(0);
    expect(minors.nodes.some((n) => /minors/i.test(n.title))).toBe(false);
    for (const node of minors.nodes) expect(/child/i.test(node.title) || /儿童/.test(node.titleZh), node.title).toBe(true);
    expect(minors.totalCount).toBe(minors.nodes.length);
    expect(new Set(minors.nodes.map((n) => n.id)).size).toBe(minors.nodes.length);
    expect(minors.pages).toBe(Math.ceil(minors.nodes.length / 37));
    const literal = dataOf(await graphql<any>(stack.gatewayUrl, PAGE, { filter: { text: 'minors', textFields: ['TITLE'], synonyms: false }, first: 0 }));
    expect(literal.datasets.totalCount).toBe(0);
  });

  it('limits text to titles: every match has the word in a title, and a description-only match is left out', async () => {
    const everywhere = await walk(stack.gatewayUrl, { text: '监护人', synonyms: false });
    const titles = await walk(stack.gatewayUrl, { text: '接种', textFields: ['TITLE'], synonyms: false }, 'TITLE_ASC', 41);
    expect(titles.nodes.length).toBeGreaterThan(0);
    for (const node of titles.nodes) expect(node.titleZh).toContain('接种');
    expect(titles.totalCount).toBe(titles.nodes.length);
    // 监护人 is written only in descriptions: the whole catalog has it there, titles never.
    expect(everywhere.nodes.length).toBeGreaterThan(0);
    for (const node of everywhere.nodes) expect(node.descriptionZh).toContain('监护人');
    const inTitles = dataOf(await graphql<any>(stack.gatewayUrl, PAGE, { filter: { text: '监护人', textFields: ['TITLE'] }, first: 0 }));
    expect(inTitles.datasets.totalCount).toBe(0);
  });

  it('gives statistics over the same listings as the search: bucket counts add up to totalCount', async () => {
    for (const filter of [{ text: '疫苗' }, { text: '疫苗', synonyms: false }, { text: 'weather', textFields: ['TITLE', 'KEYWORDS'] }]) {
      const data: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            query ($filter: DatasetFilter) {
              datasets(filter: $filter, first: 0) {
                totalCount
              }
              priceStats(filter: $filter, groupBy: EXCHANGE) {
                key
                count
              }
            }
          `,
          { filter },
        ),
      );
      expect(data.datasets.totalCount, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(data.priceStats.reduce((sum: number, b: any) => sum + b.count, 0)).toBe(data.datasets.totalCount);
    }
  });

  it('refuses a text field it does not know, naming the enum, before asking any exchange', async () => {
    const result = await graphql(stack.gatewayUrl, PAGE, { filter: { text: '疫苗', textFields: ['TITEL'] } });
    expect(result.errors?.[0].message).toMatch(/TITEL.*TextField/);
    expect(result.data ?? null).toBeNull();
  });
});
