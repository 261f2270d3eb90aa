import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_SDL, checkContract } from '../../conformance/contractCheck.ts';
import { CONTRACT_PATH } from '../../subgraphs/exchange/schema.ts';
import { dataOf, graphql } from '../helpers/graphql.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';

/** The contract with each `[from, to]` edit applied once; fails when an edit no longer matches the file. */
function contractWith(...edits: Array<[string | RegExp, string]>): string {
  let sdl = CONTRACT_SDL;
  for (const [from, to] of edits) {
    const edited = sdl.replace(from, to);
    if (edited === sdl) throw new Error(`edit did not apply: ${String(from)}`);
    sdl = edited;
  }
  return sdl;
}

describe('checkContract: the contract itself', () => {
  let exchange: ExchangeFixture;
  beforeAll(async () => {
    exchange = await startSeededExchange({ id: 'sh', count: 5 });
  });
  afterAll(async () => {
    await exchange?.close();
  });

  it('finds no problem in the contract file', () => {
    expect(CONTRACT_SDL).toBe(readFileSync(CONTRACT_PATH, 'utf8'));
    expect(checkContract(CONTRACT_SDL)).toEqual([]);
  });

  it('finds no problem in the SDL a running reference exchange serves', async () => {
    const data = dataOf(await graphql<{ _service: { sdl: string } }>(exchange.url, '{ _service { sdl } }'));
    expect(data._service.sdl).toContain('@link');
    expect(checkContract(data._service.sdl)).toEqual([]);
  });
});

describe('checkContract: each problem named', () => {
  it('names a missing field', () => {
    expect(checkContract(contractWith(['  titleZh: String!\n', '']))).toEqual(['Dataset.titleZh: missing']);
  });

  it('names a field of the wrong type', () => {
    expect(checkContract(contractWith(['price: Price!', 'price: Float']))).toEqual(['Dataset.price: expected Price!, found Float']);
  });

  it('names a missing enum value', () => {
    expect(checkContract(contractWith([/ {2}"[^"\n]*"\n {2}AUDIO_SAMPLES\n/, '']))).toEqual(['enum Category: missing value AUDIO_SAMPLES']);
  });

  it('names a missing argument', () => {
    expect(
      checkContract(contractWith(['datasets(filter: DatasetFilter, sort: DatasetSort = UPDATED_DESC, first', 'datasets(filter: DatasetFilter, first'])),
    ).toEqual(['Query.datasets(sort:): missing argument']);
  });

  it('names an argument of the wrong type', () => {
    expect(checkContract(contractWith(['first: Int = 20', 'first: String = "20"']))).toEqual(['Query.datasets(first:): expected Int, found String']);
  });

  it('names a missing type (and the field that needs it)', () => {
    const sdl = contractWith(
      [/type PriceStatsBucket @shareable \{[^}]*\}/, ''],
      ['groupBy: StatsGroup!): [PriceStatsBucket]!', 'groupBy: StatsGroup!): [String]!'],
    );
    expect(checkContract(sdl)).toEqual(['Query.priceStats: expected [PriceStatsBucket]!, found [String]!', 'type PriceStatsBucket: missing']);
  });

  it('names a missing scalar', () => {
    const sdl = contractWith([/"An ISO 8601[^\n]*\nscalar DateTime\n/, '']).replaceAll(': DateTime', ': String');
    expect(checkContract(sdl)).toEqual(expect.arrayContaining(['scalar DateTime: missing', 'Dataset.listedAt: expected DateTime!, found String!']));
  });

  it('names a missing entity key, and a key on the wrong field', () => {
    expect(checkContract(contractWith(['type Dataset @key(fields: "id")', 'type Dataset']))).toEqual(['Dataset: missing @key(fields: "id")']);
    expect(checkContract(contractWith(['type Exchange @key(fields: "id")', 'type Exchange @key(fields: "datasetCount")']))).toEqual([
      'Exchange: missing @key(fields: "id")',
    ]);
  });

  it('names a key that the exchange cannot resolve', () => {
    expect(checkContract(contractWith(['type Provider @key(fields: "uscc")', 'type Provider @key(fields: "uscc", resolvable: false)']))).toEqual([
      'Provider: @key(fields: "uscc") must be resolvable, found resolvable: false',
    ]);
  });

  it('names a kind that differs', () => {
    expect(checkContract(contractWith([/enum DatasetSort \{[^}]*\}/, 'scalar DatasetSort']))).toEqual(['enum DatasetSort: expected an enum, found a scalar']);
  });

  it('names a contract input field the exchange does not accept', () => {
    expect(checkContract(contractWith(['  minPrice: Decimal\n', '']))).toEqual(['DatasetFilter.minPrice: missing']);
    expect(checkContract(contractWith(['  minPrice: Decimal\n', '  minPrice: Decimal!\n']))).toEqual([
      'DatasetFilter.minPrice: expected Decimal, found Decimal!',
    ]);
  });

  it('names a default that differs from the contract', () => {
    expect(checkContract(contractWith(['first: Int = 20', 'first: Int = 50']))).toEqual(['Query.datasets(first:): expected default 20, found default 50']);
    expect(checkContract(contractWith(['sort: DatasetSort = UPDATED_DESC', 'sort: DatasetSort']))).toEqual([
      'Query.datasets(sort:): expected default UPDATED_DESC, found no default',
    ]);
  });

  it('names the federation directives the contract needs kept', () => {
    expect(checkContract(contractWith(['sketch: String! @inaccessible', 'sketch: String!']))).toEqual(['PriceStatsBucket.sketch: missing @inaccessible']);
    expect(checkContract(contractWith(['type PageInfo @shareable {', 'type PageInfo {']))).toEqual(['PageInfo: missing @shareable']);
    expect(checkContract(contractWith(['  titleZh: String!\n', '  titleZh: String! @inaccessible\n']))).toEqual([
      'Dataset.titleZh: marked @inaccessible, but the contract exposes it',
    ]);
  });

  it('reports every problem at once, in the order of the contract', () => {
    const sdl = contractWith(
      ['first: Int = 20', 'first: String'],
      ['  titleZh: String!\n', ''],
      ['price: Price!', 'price: Float'],
      [/ {2}"[^"\n]*"\n {2}AUDIO_SAMPLES\n/, ''],
    );
    expect(checkContract(sdl)).toEqual([
      'Query.datasets(first:): expected Int, found String',
      'Dataset.titleZh: missing',
      'Dataset.price: expected Price!, found Float',
      'enum Category: missing value AUDIO_SAMPLES',
    ]);
  });
});

describe('checkContract: compatible differences', () => {
  it('accepts stricter output types (non-null where the contract allows null, in lists too)', () => {
    const sdl = contractWith(
      ['  endCursor: String\n', '  endCursor: String!\n'],
      ['  edges: [DatasetEdge]!', '  edges: [DatasetEdge!]!'],
      ['  datasetCount: Int\n', '  datasetCount: Int!\n'],
      ['  dataset(id: ID!): Dataset\n', '  dataset(id: ID!): Dataset!\n'],
    );
    expect(checkContract(sdl)).toEqual([]);
  });

  it('refuses looser output types, and a list where the contract has a single value', () => {
    expect(checkContract(contractWith(['  title: String!\n', '  title: String\n']))).toEqual(['Dataset.title: expected String!, found String']);
    expect(checkContract(contractWith(['  keywords: [String!]!', '  keywords: [String]!']))).toEqual([
      'Dataset.keywords: expected [String!]!, found [String]!',
    ]);
    expect(checkContract(contractWith(['  productCode: String!', '  productCode: [String!]!']))).toEqual([
      'Dataset.productCode: expected String!, found [String!]!',
    ]);
  });

  it('accepts looser arguments and refuses stricter ones', () => {
    expect(checkContract(contractWith(['dataset(id: ID!)', 'dataset(id: ID)']))).toEqual([]);
    expect(checkContract(contractWith(['first: Int = 20', 'first: Int! = 20']))).toEqual(['Query.datasets(first:): expected Int, found Int!']);
  });

  it('accepts extra types, fields, optional arguments and optional input fields', () => {
    const sdl =
      contractWith(
        ['  titleZh: String!\n', '  titleZh: String!\n  titleEn(locale: String = "en"): String\n  region: Region\n'],
        ['  dataset(id: ID!): Dataset\n', '  dataset(id: ID!, preview: Boolean): Dataset\n  regions: [Region!]!\n'],
        ['  containsMinorsData: Boolean\n}', '  containsMinorsData: Boolean\n  regionCode: String\n  strict: Boolean! = false\n}'],
      ) + '\ntype Region { code: String! }\n';
    expect(checkContract(sdl)).toEqual([]);
  });

  it('refuses extra required arguments and input fields, which the gateway never sends', () => {
    expect(checkContract(contractWith(['dataset(id: ID!)', 'dataset(id: ID!, region: String!)']))).toEqual([
      'Query.dataset(region:): unexpected required argument (String!); the contract has no such argument, so make it nullable or give it a default',
    ]);
    expect(checkContract(contractWith(['  containsMinorsData: Boolean\n}', '  containsMinorsData: Boolean\n  regionCode: String!\n}']))).toEqual([
      'DatasetFilter.regionCode: unexpected required input field (String!); the contract has no such field, so make it nullable or give it a default',
    ]);
  });

  it('refuses extra values in an enum the contract returns, and allows them in an input-only enum', () => {
    expect(checkContract(contractWith([' AGRICULTURE\n', ' AGRICULTURE SPACE\n']))).toEqual(['enum Category: unexpected value SPACE']);
    expect(checkContract(contractWith(['  RELEVANCE\n}', '  RELEVANCE\n  NEWEST\n}']))).toEqual([]);
    expect(checkContract(contractWith(['SOCIAL_ORGANIZATION\n', 'SOCIAL_ORGANIZATION CHARITY\n']))).toEqual([]);
  });

  it('reads federation directives through the @link imports, renames and namespaces', () => {
    const renamed = contractWith([
      'import: ["@key", "@shareable", "@inaccessible"]',
      'import: [{ name: "@key", as: "@primaryKey" }, "@shareable", "@inaccessible"]',
    ]).replaceAll('@key(', '@primaryKey(');
    expect(checkContract(renamed)).toEqual([]);
    const namespaced = contractWith(['import: ["@key", "@shareable", "@inaccessible"]', 'import: ["@shareable", "@inaccessible"]']).replaceAll(
      '@key(',
      '@federation__key(',
    );
    expect(checkContract(namespaced)).toEqual([]);
  });

  it('accepts Federation 1 SDL (extend type entities, no @shareable), except where it cannot hide a field', () => {
    const fed1 = contractWith(
      [/extend schema\s+@link\([^)]*\)/s, ''],
      [/"A data supplier[^\n]*\n/, ''],
      ['type Provider @key(fields: "uscc") {\n  uscc: ID!', 'extend type Provider @key(fields: "uscc") {\n  uscc: ID! @external'],
    )
      .replaceAll('@shareable', '')
      .replaceAll(' @inaccessible', '');
    // Every gateway-only part of the contract (priceStats' and priceStatistics' sketches, the provider sets,
    // the product groups, the listing counts, the catalog summary, the bulk rows).
    expect(checkContract(fed1)).toEqual([
      'Query.productGroups: missing @inaccessible',
      'Query.providerListingCounts: missing @inaccessible',
      'Query.catalogSummary: missing @inaccessible',
      'Query.datasetRows: missing @inaccessible',
      'ProviderListingCount: missing @inaccessible',
      'PriceStatsBucket.sketch: missing @inaccessible',
      'PriceStatisticsBucket.sketch: missing @inaccessible',
      'PriceStatisticsBucket.providers: missing @inaccessible',
      'CatalogSummary: missing @inaccessible',
      'CatalogSummaryCount: missing @inaccessible',
      'CatalogSummaryPriceRange: missing @inaccessible',
      'DatasetRowPage: missing @inaccessible',
      'CatalogTokenFilter: missing @inaccessible',
      'ProductGroupPage: missing @inaccessible',
      'ProductGroup: missing @inaccessible',
    ]);
  });
});

describe('checkContract: a schema that does not build', () => {
  it('is one problem when it does not parse', () => {
    expect(checkContract('type Query { datasets: Int')).toEqual(['schema: Syntax Error: Expected Name, found <EOF>. (line 1, column 27)']);
    expect(checkContract('')).toEqual(['schema: Syntax Error: Unexpected <EOF>. (line 1, column 1)']);
  });

  it('is one problem, naming every cause, when it parses but is not a valid schema', () => {
    const problems = checkContract('type Query { a: Int @nonsense }\ninput X { a: Query }');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBe(
      'schema: Unknown directive "@nonsense". (line 1, column 21); The type of "X.a" must be Input Type but got "Query", a ObjectType. (line 2, column 11)',
    );
    expect(checkContract('type Query { a: Foo }')).toEqual(['schema: Unknown type Foo (line 1, column 17)']);
  });
});
