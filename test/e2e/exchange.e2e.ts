import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import { DATASET_SORTS, type DatasetSort } from '../../shared/domain.ts';
import { compareListings, compareByRelevance, relevanceRankOf, amountMicros } from '../helpers/reference.ts';
import { AMOUNT_RULE } from '../../shared/money.ts';

const FIELDS = `id productCode title titleZh description descriptionZh keywords type category securityLevel personalInfo
  containsMinorsData dataOrigin delivery updatedAt provider { uscc } price { model amount currency }`;
const PAGE = `query Page($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage endCursor } totalCount missingExchanges } }`;

interface Item {
  id: string;
  productCode: string;
  title: string;
  titleZh: string;
  description: string;
  descriptionZh: string;
  keywords: string[];
  type: string;
  category: string;
  securityLevel: string;
  personalInfo: string;
  containsMinorsData: boolean;
  dataOrigin: string;
  delivery: string;
  updatedAt: string;
  provider: { uscc: string };
  price: { model: string; amount: string | null; currency: string };
}

let exchange: ExchangeFixture;
let catalog: Item[];
const TOKEN = 'test-exchange-admin-token';

async function walk(
  filter: Record<string, unknown> | null,
  sort: DatasetSort = 'UPDATED_DESC',
  first = 100,
): Promise<{ items: Item[]; cursors: string[]; totalCount: number }> {
  const items: Item[] = [];
  const cursors: string[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let guard = 0; guard < 1000; guard++) {
    const data: any = dataOf(await graphql(exchange.url, PAGE, { filter, sort, first, after }));
    const connection = data.datasets;
    totalCount = connection.totalCount;
    for (const edge of connection.edges) {
      items.push(edge.node);
      cursors.push(edge.cursor);
    }
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { items, cursors, totalCount };
}

const ids = (items: Item[]) => items.map((i) => i.id);

beforeAll(async () => {
  exchange = await startSeededExchange({ id: 'ty', count: 2000, adminToken: TOKEN });
  catalog = (await walk(null)).items;
});
afterAll(async () => {
  await exchange?.close();
});

describe('exchange subgraph: paging', () => {
  it('serves every seeded product exactly once, with global ids of its own prefix', () => {
    expect(catalog).toHaveLength(2000);
    expect(new Set(ids(catalog)).size).toBe(2000);
    for (const item of catalog) expect(item.id).toMatch(/^ty:ds-\d{6,}$/);
  });

  for (const sort of DATASET_SORTS.filter((s) => s !== 'RELEVANCE')) {
    it(`walks the whole catalog in ${sort} pages with no gap and no duplicate, in the global order`, async () => {
      const walked = await walk(null, sort, 37);
      expect(walked.totalCount).toBe(2000);
      const expected = [...catalog].sort((a, b) => compareListings(sort as Exclude<DatasetSort, 'RELEVANCE'>, a, b));
      expect(ids(walked.items)).toEqual(ids(expected));
    });
  }

  it('puts NEGOTIABLE prices after every priced product in both price orders', async () => {
    for (const sort of ['PRICE_ASC', 'PRICE_DESC'] as const) {
      const walked = await walk(null, sort, 100);
      const firstNegotiable = walked.items.findIndex((i) => i.price.model === 'NEGOTIABLE');
      expect(firstNegotiable).toBeGreaterThan(0);
      expect(walked.items.slice(firstNegotiable).every((i) => i.price.model === 'NEGOTIABLE')).toBe(true);
    }
  });

  it('walks RELEVANCE pages of a text search with no gap and no duplicate', async () => {
    const all = await walk({ text: 'data' }, 'UPDATED_DESC', 100);
    const byRelevance = await walk({ text: 'data' }, 'RELEVANCE', 13);
    expect(all.items.length).toBeGreaterThan(20);
    expect(new Set(ids(byRelevance.items)).size).toBe(byRelevance.items.length);
    expect(new Set(ids(byRelevance.items))).toEqual(new Set(ids(all.items)));
    // An order, not a set: pages of 13 give the order of one page of 100, scores never fall, equal scores by id.
    const onePage = await graphql(exchange.url, PAGE, { filter: { text: 'data' }, sort: 'RELEVANCE', first: 100 });
    expect(ids(byRelevance.items).slice(0, 100)).toEqual((dataOf(onePage) as any).datasets.edges.map((e: any) => e.node.id));
    const walked = byRelevance.items.map((item, i) => ({ id: item.id, cursor: byRelevance.cursors[i] }));
    expect(walked.slice(1).every((edge, i) => compareByRelevance(walked[i], edge) < 0)).toBe(true);
    expect(new Set(walked.map((edge) => relevanceRankOf(edge.cursor))).size).toBeGreaterThan(5);
  });
});

describe('exchange subgraph: filters', () => {
  const sample = () => catalog[17];
  const cases: Array<[string, () => Record<string, unknown>, (item: Item, filter: any) => boolean]> = [
    ['categories', () => ({ categories: [sample().category, 'TELECOM'] }), (i, f) => f.categories.includes(i.category)],
    ['types', () => ({ types: ['DATA_SERVICE'] }), (i) => i.type === 'DATA_SERVICE'],
    ['providerUscc', () => ({ providerUscc: sample().provider.uscc }), (i, f) => i.provider.uscc === f.providerUscc],
    ['securityLevels', () => ({ securityLevels: ['IMPORTANT'] }), (i) => i.securityLevel === 'IMPORTANT'],
    ['personalInfo', () => ({ personalInfo: ['SENSITIVE', 'PERSONAL'] }), (i) => i.personalInfo !== 'NONE'],
    ['dataOrigins', () => ({ dataOrigins: ['ENTERPRISE'] }), (i) => i.dataOrigin === 'ENTERPRISE'],
    ['pricingModels', () => ({ pricingModels: ['FREE', 'NEGOTIABLE'] }), (i) => ['FREE', 'NEGOTIABLE'].includes(i.price.model)],
    ['minPrice', () => ({ minPrice: '100.00' }), (i) => i.price.amount !== null && amountMicros(i.price.amount)! >= 100_000_000],
    ['maxPrice', () => ({ maxPrice: '0.5' }), (i) => i.price.amount !== null && amountMicros(i.price.amount)! <= 500_000],
    ['delivery', () => ({ delivery: ['API'] }), (i) => i.delivery === 'API'],
    ['productCode', () => ({ productCode: sample().productCode }), (i, f) => i.productCode === f.productCode],
    ['updatedSince', () => ({ updatedSince: '2024-01-01T00:00:00Z' }), (i) => Date.parse(i.updatedAt) >= Date.parse('2024-01-01T00:00:00Z')],
    ['containsMinorsData', () => ({ containsMinorsData: true }), (i) => i.containsMinorsData],
    ['exchanges (own)', () => ({ exchanges: ['ty', 'bj'] }), () => true],
    ['exchanges (other)', () => ({ exchanges: ['bj'] }), () => false],
    [
      'combined',
      () => ({ categories: [sample().category], pricingModels: [sample().price.model], updatedSince: '2018-01-01T00:00:00Z' }),
      (i, f) => i.category === f.categories[0] && i.price.model === f.pricingModels[0] && Date.parse(i.updatedAt) >= Date.parse(f.updatedSince),
    ],
  ];

  for (const [name, makeFilter, predicate] of cases) {
    it(`filters by ${name} exactly as the catalog says`, async () => {
      const filter = makeFilter();
      const expected = catalog.filter((item) => predicate(item, filter));
      const walked = await walk(filter, 'UPDATED_DESC', 100);
      expect(walked.totalCount).toBe(expected.length);
      expect(new Set(ids(walked.items))).toEqual(new Set(ids(expected)));
      if (!name.startsWith('exchanges')) expect(expected.length).toBeGreaterThan(0);
    });
  }

  it('filters by providerKinds', async () => {
    const walked = await walk({ providerKinds: ['GOVERNMENT_DEPARTMENT'] });
    const others = await walk({
      providerKinds: ['PUBLIC_INSTITUTION', 'STATE_OWNED_ENTERPRISE', 'PRIVATE_ENTERPRISE', 'FOREIGN_INVESTED_ENTERPRISE', 'SOCIAL_ORGANIZATION'],
    });
    expect(walked.items.length).toBeGreaterThan(0);
    expect(walked.items.length + others.items.length).toBe(2000);
    expect(new Set([...ids(walked.items), ...ids(others.items)]).size).toBe(2000);
  });
});

describe('exchange subgraph: text search', () => {
  const chinese = (i: Item) => [i.titleZh, i.descriptionZh, JSON.stringify(i.keywords)].join('\n');
  /** English terms match word prefixes (case-insensitive) in the English title, description or keywords. */
  const hasWordPrefix = (i: Item, word: string) =>
    new RegExp(`(^|[^\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'iu').test([i.title, i.description, JSON.stringify(i.keywords)].join('\n'));

  function termFrom(pick: (item: Item) => string): string {
    return pick(catalog.find((i) => pick(i).length > 0)!);
  }

  it('finds Chinese substrings of three characters or more', async () => {
    const term = termFrom((i) => [...(i.titleZh.match(/\p{Script=Han}{4,}/u)?.[0] ?? '')].slice(1, 4).join(''));
    expect([...term]).toHaveLength(3);
    const expected = catalog.filter((i) => chinese(i).includes(term));
    const walked = await walk({ text: term });
    expect(expected.length).toBeGreaterThan(0);
    expect(new Set(ids(walked.items))).toEqual(new Set(ids(expected)));
  });

  it('finds two-character Chinese words', async () => {
    const term = termFrom((i) => [...(i.titleZh.match(/\p{Script=Han}{2,}/u)?.[0] ?? '')].slice(0, 2).join(''));
    expect([...term]).toHaveLength(2);
    const expected = catalog.filter((i) => chinese(i).includes(term));
    const walked = await walk({ text: term });
    expect(new Set(ids(walked.items))).toEqual(new Set(ids(expected)));
  });

  it('finds single Chinese characters standing alone, each its own token in the index', async () => {
    for (const text of ['疫', '税', '数,格', '水 证']) {
      const expected = catalog.filter((i) => text.split(/[\s,]+/u).every((c) => chinese(i).includes(c)));
      const walked = await walk({ text });
      expect(new Set(ids(walked.items))).toEqual(new Set(ids(expected)));
    }
    expect(catalog.filter((i) => chinese(i).includes('疫')).length).toBeGreaterThan(0);
  });

  it('finds English words and word prefixes in any case, every term required', async () => {
    const words = catalog[3].title.split(/\s+/).filter((w) => /^[A-Za-z]{4,}$/.test(w));
    expect(words.length).toBeGreaterThan(0);
    const prefix = words.at(-1)!.slice(0, 4).toLowerCase();
    const text = `${words[0].toUpperCase()} ${prefix}`;
    const expected = catalog.filter((i) => hasWordPrefix(i, words[0]) && hasWordPrefix(i, prefix));
    const walked = await walk({ text });
    expect(walked.items.map((i) => i.id)).toContain(catalog[3].id);
    expect(new Set(ids(walked.items))).toEqual(new Set(ids(expected)));
  });

  /**
   * The documented meaning of filter.text, computed from the catalog: every whitespace-separated term must
   * match. In a term, each Han run is a substring of the Chinese title, description or keywords; the other
   * words (letters and digits), in order, are consecutive words of the English title, description or
   * keywords, the last one as a prefix. Everything else (quotes, operators, punctuation) only separates.
   */
  function matchesText(item: Item, text: string): boolean {
    const tokens = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const columns = [item.title, item.description, JSON.stringify(item.keywords)].map(tokens);
    const phraseIn = (words: string[], t: string[]) =>
      t.some((_, at) => words.every((w, k) => (k === words.length - 1 ? t[at + k]?.startsWith(w) : t[at + k] === w)));
    return text
      .trim()
      .split(/\s+/u)
      .filter(Boolean)
      .every((term) => {
        const runs = term.match(/\p{Script=Han}+/gu) ?? [];
        const words = tokens(term.replace(/\p{Script=Han}+/gu, ' '));
        return runs.every((run) => chinese(item).includes(run)) && (words.length === 0 || columns.some((t) => phraseIn(words, t)));
      });
  }

  it('treats quotes and FTS operators in the text as plain characters, matching exactly what the text says', async () => {
    const texts = [
      'data"',
      'NEAR(data',
      'data*',
      'title:data',
      'data OR',
      '-data',
      'data AND NOT',
      "'; DROP TABLE datasets; --",
      'da%ta',
      'data_',
      'data\\',
      '(data)',
      '{data}',
      '"疫苗',
      '疫%',
      '接种"点',
      '"数据" OR 疫苗',
    ];
    const counts: Record<string, number> = {};
    for (const text of texts) {
      const expected = catalog.filter((item) => matchesText(item, text));
      // Literal text: matchesText knows no synonyms (疫苗 heads a synonym group; see textSearch.e2e.ts).
      const walked = await walk({ text, synonyms: false });
      expect(walked.totalCount, text).toBe(expected.length);
      expect(new Set(ids(walked.items)), text).toEqual(new Set(ids(expected)));
      counts[text] = expected.length;
    }
    // Operators and quotes around a word change nothing: the same rows as the bare word.
    const data = catalog.filter((item) => matchesText(item, 'data')).length;
    expect(data).toBeGreaterThan(20);
    expect(data).toBeLessThan(2000);
    for (const text of ['data"', 'data*', '-data', '(data)', '{data}', 'data\\']) expect(counts[text], text).toBe(data);
    expect(counts['"疫苗']).toBeGreaterThan(0);
    expect((await walk(null)).items).toHaveLength(2000);
  });

  it('refuses text with no letter, digit or Chinese character, naming the field; empty or blank text does not filter', async () => {
    for (const text of ['"', '%', '_', '\\', '()', '-', '{}', '" "', '* -', '。，']) {
      const result = await graphql(exchange.url, PAGE, { filter: { text }, first: 5 });
      expect(result.errors?.[0].extensions?.code, text).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toBe(`filter.text: must contain a letter, digit or Chinese character, got ${JSON.stringify(text)}`);
    }
    for (const text of ['', '   ']) expect((await walk({ text })).totalCount, JSON.stringify(text)).toBe(2000);
  });
});

describe('exchange subgraph: bad input', () => {
  it('refuses a bad cursor with BAD_USER_INPUT naming after', async () => {
    for (const after of ['garbage!', 'bm90LWpzb24', Buffer.from('["PRICE_ASC",1,"ty:ds-000001"]').toString('base64url')]) {
      const result = await graphql(exchange.url, PAGE, { after });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toMatch(/^after: /);
      // No stack trace unless NODE_ENV=development (the test runner sets NODE_ENV=test).
      expect(result.errors?.[0].extensions).not.toHaveProperty('stacktrace');
    }
  });

  it('refuses first outside 0..100 with BAD_USER_INPUT naming first', async () => {
    for (const first of [-1, 101, 100000]) {
      const result = await graphql(exchange.url, PAGE, { first });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toMatch(/^first: must be between 0 and 100/);
    }
    const zero = dataOf(await graphql(exchange.url, PAGE, { first: 0 })) as any;
    expect(zero.datasets.edges).toHaveLength(0);
    expect(zero.datasets.totalCount).toBe(2000);
    // first: 0 says whether any row follows `after` (endCursor stays null: continue from the same after).
    expect(zero.datasets.pageInfo).toEqual({ hasNextPage: true, endCursor: null });
    const filter = { categories: [catalog[0].category] };
    const { cursors } = await walk(filter);
    expect(cursors.length).toBeGreaterThan(1);
    const afterFirst = dataOf(await graphql(exchange.url, PAGE, { filter, first: 0, after: cursors[0] })) as any;
    expect(afterFirst.datasets.pageInfo).toEqual({ hasNextPage: true, endCursor: null });
    const afterLast = dataOf(await graphql(exchange.url, PAGE, { filter, first: 0, after: cursors.at(-1) })) as any;
    expect(afterLast.datasets.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    const none = dataOf(await graphql(exchange.url, PAGE, { filter: { exchanges: ['bj'] }, first: 0 })) as any;
    expect(none.datasets.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it('refuses a malformed price bound and date, naming the field', async () => {
    const price = await graphql(exchange.url, PAGE, { filter: { minPrice: '-3' } });
    expect(price.errors).toHaveLength(1);
    expect(price.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(price.errors?.[0].message).toMatch(/"filter\.minPrice".*Decimal must be/);
    const date = await graphql(exchange.url, PAGE, { filter: { updatedSince: 'yesterday' } });
    expect(date.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(date.errors?.[0].message).toMatch(/"filter\.updatedSince".*DateTime must be/);
  });

  it('refuses a bad Decimal or DateTime written in the query once each, naming its path, as the gateway does', async () => {
    const literal = await graphql(exchange.url, '{ datasets(filter: { minPrice: "-3", updatedSince: "yesterday" }) { totalCount } }');
    expect(literal.status).toBe(400);
    expect(literal.errors?.map((e) => e.message)).toEqual([
      `filter.minPrice: Decimal must be ${AMOUNT_RULE}, got "-3"`,
      'filter.updatedSince: DateTime must be an ISO 8601 date or date-time such as "2024-05-01T08:00:00Z", got "yesterday"',
    ]);
    expect(literal.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
    const priceStats = await graphql(exchange.url, '{ priceStats(filter: { maxPrice: "1e3" }, groupBy: CATEGORY) { count } }');
    expect(priceStats.errors?.map((e) => e.message)).toEqual([`filter.maxPrice: Decimal must be ${AMOUNT_RULE}, got "1e3"`]);
    // Good literals pass, and mean what the same variables mean.
    const good = dataOf(await graphql(exchange.url, '{ datasets(filter: { minPrice: " 100.00 ", updatedSince: "2020-01-01" }) { totalCount } }')) as any;
    const same = dataOf(await graphql(exchange.url, PAGE, { filter: { minPrice: '100.00', updatedSince: '2020-01-01' } })) as any;
    expect(good.datasets.totalCount).toBe(same.datasets.totalCount);
    expect(good.datasets.totalCount).toBeGreaterThan(0);
  });

  it('bounds the work a text filter may ask for, naming the rule', async () => {
    const singles = await graphql(exchange.url, PAGE, { filter: { text: '数,据,表,格,疫,苗,水,税,法,车,图,音,证' } });
    expect(singles.errors?.[0].message).toMatch(/^filter\.text: must have at most 12 words or Chinese runs, got 13/);
    const words = await graphql(exchange.url, PAGE, { filter: { text: 'a b c d e f g h i j k l m' } });
    expect(words.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('matches an empty productCode exactly (nothing), and refuses a malformed providerUscc naming the rule', async () => {
    expect((await walk({ productCode: '' })).totalCount).toBe(0);
    expect((await walk({ productCode: '', categories: [catalog[0].category] })).totalCount).toBe(0);
    for (const [providerUscc, message] of [
      ['', 'filter.providerUscc: must be 18 characters, got 0 (fails the length rule)'],
      [
        '9111000060003734IL',
        'filter.providerUscc: "9111000060003734IL": character "I" at position 17 is not in the USCC character set; allowed are 0-9 and A-Z except I, O, S, V, Z (fails the character set rule)',
      ],
      ['91110000600037341X', 'filter.providerUscc: "91110000600037341X": check character (position 18) should be L (fails the USCC check rule)'],
    ]) {
      const result = await graphql(exchange.url, PAGE, { filter: { providerUscc } });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toBe(message);
    }
    // A well-formed USCC that lists nothing here matches nothing.
    expect((await walk({ providerUscc: '91110000600037341L' })).totalCount).toBe(0);
  });

  it('refuses RELEVANCE without text', async () => {
    const result = await graphql(exchange.url, PAGE, { sort: 'RELEVANCE' });
    expect(result.errors?.[0].message).toBe('sort: RELEVANCE needs filter.text');
  });
});
