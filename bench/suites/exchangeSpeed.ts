/**
 * Exchange speed: one exchange subgraph over a full-size catalog, measured over HTTP with sequential
 * requests (medians after a warm-up), next to the same store code timed in this process (SQLite alone),
 * so a miss shows at once whether the time goes to SQL or to HTTP and GraphQL. Also the wall time of
 * seeding four exchanges with `npm run seed`, whose files the measurements then use.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatasetSort, StatsGroup } from '../../shared/domain.ts';
import type { ColumnStatsGroup } from '../../subgraphs/exchange/store/UnfilteredStats.ts';
import { formatMicros, parseAmountMicros } from '../../shared/money.ts';
import { checkPageArgs, toConnection, cursorOf } from '../../subgraphs/exchange/connection.ts';
import { foldStatsRows } from '../../subgraphs/exchange/priceStats.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { passFail, codeBlock } from '../lib/markdown.ts';
import { ReadOnlyStore, oneLine, type RecordedStatement } from '../lib/sqlite.ts';
import { seedCatalog, startExchange } from '../lib/stack.ts';
import { median, percentile, timeSequential, ms } from '../lib/stats.ts';
import { intFlag, type Suite, type SuiteContext, type SuiteReport, type TargetCheck } from '../lib/suite.ts';

const FULL_SIZE = 250_000;
const EXCHANGE = 'bj';
const SEED_TARGET_MS = 120_000;

const PAGE_QUERY = `query Page($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id productCode title titleZh type category keywords securityLevel personalInfo dataOrigin delivery
      updateFrequency price { model amount currency } provider { uscc } complianceAssessed listedAt updatedAt
    } }
  }
}`;

/** Only the cursor, to walk to a deep page without paying for totalCount on every step. */
const WALK_QUERY = `query Walk($filter: DatasetFilter, $sort: DatasetSort, $first: Int, $after: String) {
  datasets(filter: $filter, sort: $sort, first: $first, after: $after) { pageInfo { hasNextPage endCursor } }
}`;

const STATS_QUERY = `query Stats($filter: DatasetFilter, $groupBy: StatsGroup!) {
  priceStats(filter: $filter, groupBy: $groupBy) { key count pricedCount min p50 p90 max currency }
}`;

interface PageCase {
  kind: 'page';
  label: string;
  filter: DatasetFilterInput | null;
  sort: DatasetSort;
  /** 1 for the first page; N to walk N-1 pages of 20 first and time page N. */
  page: number;
  targetMs: number;
  group: 'pages' | 'search';
}

const STATISTICS_QUERY = `query Statistics($filter: DatasetFilter, $groupBy: [StatsGroup!]!) {
  priceStatistics(filter: $filter, groupBy: $groupBy) { buckets { keys count pricedCount min p50 p90 max currency distinctProviders } missingExchanges }
}`;

interface StatsCase {
  kind: 'stats';
  label: string;
  filter: DatasetFilterInput | null;
  /** One group: priceStats; a list: priceStatistics. */
  groupBy: ColumnStatsGroup | StatsGroup[];
  targetMs: number;
  group: 'stats';
}

type Case = PageCase | StatsCase;

const PAGE_TARGET = 20;
const SEARCH_TARGET = 50;
const STATS_TARGET = 100;

const CATEGORIES = { categories: ['PUBLIC_HEALTH', 'TELECOM'] };
const KINDS_MODELS = { providerKinds: ['PRIVATE_ENTERPRISE', 'STATE_OWNED_ENTERPRISE'], pricingModels: ['PER_CALL', 'ANNUAL', 'MONTHLY'] };

function pageCases(deepPage: number): PageCase[] {
  const both = (label: string, filter: DatasetFilterInput | null, sort: DatasetSort, deep = deepPage): PageCase[] => [
    { kind: 'page', label: `${label}, page 1`, filter, sort, page: 1, targetMs: PAGE_TARGET, group: 'pages' },
    { kind: 'page', label: `${label}, page ${deep}`, filter, sort, page: deep, targetMs: PAGE_TARGET, group: 'pages' },
  ];
  return [
    ...both('categories [PUBLIC_HEALTH, TELECOM], PRICE_ASC', CATEGORIES, 'PRICE_ASC'),
    ...both('no filter, UPDATED_DESC', null, 'UPDATED_DESC'),
    ...both('providerKinds [PRIVATE, STATE_OWNED] + pricingModels [PER_CALL, ANNUAL, MONTHLY], UPDATED_DESC', KINDS_MODELS, 'UPDATED_DESC'),
    ...both('providerKinds + pricingModels (same), PRICE_ASC', KINDS_MODELS, 'PRICE_ASC'),
    ...both('categories [PUBLIC_HEALTH, TELECOM], TITLE_ASC', CATEGORIES, 'TITLE_ASC'),
    // Researchers' lists whose columns lead no index for the sort (and whose prices go with the column).
    ...both('types [MODEL], PRICE_ASC', { types: ['MODEL'] }, 'PRICE_ASC'),
    // 674 listings at 250,000: 34 pages, so its deep page is page 30.
    ...both(
      'securityLevels [IMPORTANT] + dataOrigins [PERSONAL], PRICE_ASC',
      { securityLevels: ['IMPORTANT'], dataOrigins: ['PERSONAL'] },
      'PRICE_ASC',
      Math.min(deepPage, 30),
    ),
    ...both('delivery [API] + personalInfo [NONE], UPDATED_DESC', { delivery: ['API'], personalInfo: ['NONE'] }, 'UPDATED_DESC'),
    // A flag in most listings, and a price floor: conditions no list index leads.
    ...both('containsMinorsData false, PRICE_DESC', { containsMinorsData: false }, 'PRICE_DESC'),
    ...both('minPrice 100, TITLE_ASC', { minPrice: '100' }, 'TITLE_ASC'),
  ];
}

function searchCases(): PageCase[] {
  const searchWith = (label: string, filter: DatasetFilterInput, sort: DatasetSort = 'UPDATED_DESC'): PageCase => ({
    kind: 'page',
    label,
    filter,
    sort,
    page: 1,
    targetMs: SEARCH_TARGET,
    group: 'search',
  });
  const search = (label: string, text: string, sort: DatasetSort = 'UPDATED_DESC'): PageCase => searchWith(label, { text }, sort);
  return [
    search('text "vaccination" (English word), UPDATED_DESC', 'vaccination'),
    search('text "vaccination", RELEVANCE', 'vaccination', 'RELEVANCE'),
    search('text "疫苗" (2 Chinese characters), UPDATED_DESC', '疫苗'),
    search('text "疫苗", RELEVANCE', '疫苗', 'RELEVANCE'),
    search('text "疫苗接种" (4 Chinese characters), UPDATED_DESC', '疫苗接种'),
    // Worst cases beyond the brief: a term in (nearly) every listing.
    search('worst case: text "数据" (in every listing), UPDATED_DESC', '数据'),
    search('worst case: text "data" (in a third of the listings), UPDATED_DESC', 'data'),
    // Text with other filters: what researchers type most (a term within a category, a price floor...).
    searchWith('text "data" + categories [FINANCE], UPDATED_DESC', { text: 'data', categories: ['FINANCE'] }),
    searchWith('text "data" + categories [FINANCE], PRICE_DESC', { text: 'data', categories: ['FINANCE'] }, 'PRICE_DESC'),
    searchWith('text "数据" + types [MODEL], UPDATED_DESC', { text: '数据', types: ['MODEL'] }),
    searchWith('text "数据" + minPrice 100, TITLE_ASC', { text: '数据', minPrice: '100' }, 'TITLE_ASC'),
    searchWith('text "api" + providerKinds [PRIVATE_ENTERPRISE], PRICE_ASC', { text: 'api', providerKinds: ['PRIVATE_ENTERPRISE'] }, 'PRICE_ASC'),
    searchWith('text "疫苗" + containsMinorsData false, UPDATED_DESC', { text: '疫苗', containsMinorsData: false }),
    search('text "数据", RELEVANCE', '数据', 'RELEVANCE'),
    search('text "data", RELEVANCE', 'data', 'RELEVANCE'),
    search('one Chinese character "疫", UPDATED_DESC', '疫'),
    search('one letter "d", UPDATED_DESC', 'd'),
  ];
}

function statsCases(): StatsCase[] {
  const stats = (label: string, filter: DatasetFilterInput | null): StatsCase => ({
    kind: 'stats',
    label,
    filter,
    groupBy: 'CATEGORY',
    targetMs: STATS_TARGET,
    group: 'stats',
  });
  return [
    stats('priceStats(groupBy: CATEGORY), no filter', null),
    stats('priceStats(groupBy: CATEGORY), categories [PUBLIC_HEALTH, TELECOM]', CATEGORIES),
    stats('priceStats(groupBy: CATEGORY), providerKinds + pricingModels', KINDS_MODELS),
    stats('priceStats(groupBy: CATEGORY), text "疫苗"', { text: '疫苗' }),
    stats('priceStats(groupBy: CATEGORY), delivery [API]', { delivery: ['API'] }),
    stats('priceStats(groupBy: CATEGORY), updatedSince 2024-01-01', { updatedSince: '2024-01-01T00:00:00Z' }),
    stats('priceStats(groupBy: CATEGORY), containsMinorsData false', { containsMinorsData: false }),
    stats('priceStats(groupBy: CATEGORY), text "数据" (every listing)', { text: '数据' }),
    stats('priceStats(groupBy: CATEGORY), text "data" + delivery [API]', { text: 'data', delivery: ['API'] }),
    // A researcher's cross-tabulation: three dimensions, distinct providers per bucket.
    {
      kind: 'stats',
      label: 'priceStatistics(groupBy: [EXCHANGE, CATEGORY, PRICING_MODEL]), no filter',
      filter: null,
      groupBy: ['EXCHANGE', 'CATEGORY', 'PRICING_MODEL'],
      targetMs: STATS_TARGET,
      group: 'stats',
    },
    {
      kind: 'stats',
      label: 'priceStatistics(groupBy: [CATEGORY, PRICING_MODEL, PROVIDER_KIND]), containsMinorsData true',
      filter: { containsMinorsData: true },
      groupBy: ['CATEGORY', 'PRICING_MODEL', 'PROVIDER_KIND'],
      targetMs: STATS_TARGET,
      group: 'stats',
    },
  ];
}

interface Measured {
  testCase: Case;
  /** Each sample right after a catalog version bump: nothing of this request is cached. */
  cold: number[];
  /** The same request repeated: the exchange's aggregate cache (totalCount, statistics) answers part of it. */
  http: number[];
  inProcess: number[];
  /** Per SQL statement of the request: its median in ms and its plan. */
  statements: Array<{ statement: RecordedStatement; medianMs: number; plan: string }>;
  totalCount?: number;
  rows: number;
  note?: string;
}

export const exchangeSpeedSuite: Suite = {
  name: 'exchange',
  title: 'Exchange speed (one exchange subgraph, SQLite, over HTTP)',
  flags: {
    'per-exchange': { default: String(FULL_SIZE), description: 'datasets per exchange to seed for the exchange suite (targets are defined at 250000)' },
    'data-dir': { default: '', description: 'reuse exchange databases already seeded in this directory (skips the seeding measurement)' },
    samples: { default: '50', description: 'measured sequential (warm, repeated) requests per case' },
    'cold-samples': { default: '20', description: 'measured requests per case each right after a catalog version bump (nothing cached)' },
    warmup: { default: '10', description: 'unmeasured requests before each case' },
    'deep-page': { default: '500', description: 'the deep page to time (walks the pages before it with endCursor)' },
  },
  run: runExchangeSpeed,
};

async function runExchangeSpeed({ resources, flags, log }: SuiteContext): Promise<SuiteReport> {
  const perExchange = intFlag(flags, 'per-exchange', 1, FULL_SIZE);
  const samples = intFlag(flags, 'samples', 1, 10_000);
  const coldSamples = intFlag(flags, 'cold-samples', 1, 10_000);
  const warmup = intFlag(flags, 'warmup', 0, 10_000);
  const deepPage = intFlag(flags, 'deep-page', 2, 100_000);
  const fullSize = perExchange === FULL_SIZE;
  const targets: TargetCheck[] = [];
  const sections: SuiteReport['sections'] = [];
  const details: string[] = [];

  // 1. Seeding: 4 exchanges x N, wall time of the npm script as a user runs it.
  let dataDir: string;
  const seedNotes: string[] = [];
  if (flags['data-dir']) {
    dataDir = resolve(flags['data-dir']);
    if (!existsSync(join(dataDir, `${EXCHANGE}.db`))) throw new Error(`--data-dir ${dataDir} has no ${EXCHANGE}.db`);
    seedNotes.push(`Seeding not measured: reused the databases in ${dataDir} (--data-dir).`);
    targets.push({ what: `seed 4 × ${perExchange} (npm run seed)`, value: 'not measured (--data-dir)', target: '< 120 s at 4 × 250,000', pass: null });
  } else {
    dataDir = resources.tempDir('exchange-data');
    log(`seeding 4 exchanges x ${perExchange} datasets into ${dataDir} ...`);
    const seeded = await seedCatalog(resources, { perExchange, dataDir, timeoutMs: 20 * 60_000 });
    log(`seeded in ${(seeded.wallMs / 1000).toFixed(1)} s`);
    const pass = fullSize ? seeded.wallMs < SEED_TARGET_MS : null;
    targets.push({
      what: `seed 4 × ${perExchange.toLocaleString('en')} (npm run seed, wall time)`,
      value: `${(seeded.wallMs / 1000).toFixed(1)} s`,
      target: '< 120 s',
      pass,
    });
    sections.push({
      title: 'Seeding',
      table: {
        headers: ['what', 'wall time', 'target', 'result'],
        rows: [
          [`npm run seed -- --per-exchange ${perExchange} --data-dir <tmp> (4 exchanges)`, `${(seeded.wallMs / 1000).toFixed(1)} s`, '< 120 s', passFail(pass)],
        ],
      },
      text: `Output of the seed script:\n\n${codeBlock(seeded.lines.join('\n'))}`,
    });
  }

  // 2. One exchange over its seeded file.
  const dbPath = join(dataDir, `${EXCHANGE}.db`);
  const adminToken = randomBytes(16).toString('hex');
  const exchange = await startExchange(resources, EXCHANGE, dbPath, { EXCHANGE_ADMIN_TOKEN: adminToken });
  const client = new GraphqlClient(exchange.url);
  const bump = await versionBumper(exchange.url, adminToken, client);
  const store = new ReadOnlyStore(EXCHANGE, dbPath);
  const measured: Measured[] = [];
  try {
    const cases: Case[] = [...pageCases(deepPage), ...searchCases(), ...statsCases()];
    // A warm-up pass over every case (first pages), with a few version bumps, so that the first case
    // measured does not pay for the process's JIT and the first reads of the file.
    for (let i = 0; i < 5; i++) await bump();
    for (const testCase of cases) {
      for (let i = 0; i < 3; i++) {
        if (testCase.kind === 'stats') await client.data(statsRequest(testCase).query, { filter: testCase.filter, groupBy: testCase.groupBy });
        else await client.data(PAGE_QUERY, { filter: testCase.filter, sort: testCase.sort, first: 20 });
      }
    }
    for (const testCase of cases) {
      log(`  ${testCase.label}`);
      measured.push(await measureCase(testCase, { client, store, samples, warmup, coldSamples, bump }));
    }
  } finally {
    client.close();
    store.close();
    await resources.stop(exchange);
  }

  // 3. Tables, one per target group.
  const groups: Array<{ group: Case['group']; title: string; target: number }> = [
    { group: 'pages', title: `Filtered, sorted pages of 20 (target ≤ ${PAGE_TARGET} ms median)`, target: PAGE_TARGET },
    { group: 'search', title: `Text search, first page of 20 with totalCount (target ≤ ${SEARCH_TARGET} ms median)`, target: SEARCH_TARGET },
    { group: 'stats', title: `Price statistics (target ≤ ${STATS_TARGET} ms median)`, target: STATS_TARGET },
  ];
  for (const { group, title, target } of groups) {
    const rows = measured
      .filter((m) => m.testCase.group === group)
      .map((m) => {
        const coldMedian = median(m.cold);
        const pass = fullSize ? coldMedian <= target : null;
        targets.push({ what: m.testCase.label, value: `${ms(coldMedian)} ms (repeated: ${ms(median(m.http))} ms)`, target: `≤ ${target} ms`, pass });
        return [
          m.testCase.label,
          ms(coldMedian),
          ms(percentile(m.cold, 0.9)),
          ms(median(m.http)),
          ms(median(m.inProcess)),
          m.statements.map((s) => ms(s.medianMs)).join(' + '),
          m.totalCount === undefined ? '' : m.totalCount.toLocaleString('en'),
          String(m.rows),
          passFail(pass),
        ];
      });
    sections.push({
      title,
      table: {
        headers: [
          'case',
          'HTTP cold median ms',
          'cold p90 ms',
          'HTTP repeated median ms',
          'in-process uncached median ms',
          'SQL statements ms',
          'totalCount',
          'rows',
          'result (cold)',
        ],
        rows,
      },
      text:
        measured
          .filter((m) => m.testCase.group === group && m.note)
          .map((m) => `- ${m.testCase.label}: ${m.note}`)
          .join('\n') || undefined,
    });
  }
  sections.push({
    title: 'How these were measured',
    text: [
      `- Exchange \`${EXCHANGE}\` (${perExchange.toLocaleString('en')} datasets), its own process, GraphQL POST over HTTP on one keep-alive connection from this process; before the first case, every case's first page is asked 3 times (warm-up of the process).`,
      `- *cold*: ${coldSamples} requests (after 2 unmeasured), each right after a catalog version bump (\`POST /admin/prices\` setting one listing, \`${bump.datasetId}\`, back and forth between its price and one micro-yuan more), so the exchange's cache of totalCount and statistics by catalog version cannot answer: the cost of a query asked for the first time since the last data change. The pass/fail is on this median.`,
      `- *repeated*: ${warmup} unmeasured requests, then the median of ${samples} identical sequential ones; totalCount and statistics then come from the exchange's cache (same catalog version), the page's rows do not.`,
      `- *in-process uncached*: the exchange's own store code (StoreSession page + count, or stats + fold) on the same file, read-only, in the benchmark process, with its aggregate cache disabled: the time inside SQLite and the store, without HTTP and GraphQL. The aggregates the exchange keeps across price changes: the counts per combination of enum values are used as kept (read once), the unfiltered statistics are scanned every time (the exchange scans once, then follows each change).`,
      `- *SQL statements*: each statement of the request run alone (median of ${Math.min(samples, 20)}): page + count for connections, the grouped scan for statistics.`,
      `- Page ${deepPage}: the ${deepPage - 1} pages before it are walked with \`after: endCursor\` (cursor only), then page ${deepPage} is requested with that cursor; its items are checked to be items ${(deepPage - 1) * 20 + 1}-${deepPage * 20} of the order.`,
      ...(fullSize ? [] : [`- Targets are defined at 250,000 datasets; this run used ${perExchange.toLocaleString('en')}, so no pass/fail.`]),
      ...seedNotes.map((n) => `- ${n}`),
    ].join('\n'),
  });

  // 4. For every miss: the plans and statement times, to say where the time goes.
  for (const m of measured) {
    const coldMedian = median(m.cold);
    if (coldMedian <= m.testCase.targetMs) continue;
    const parts = m.statements.map((s, i) =>
      [
        `statement ${i + 1} (median ${ms(s.medianMs)} ms):`,
        codeBlock(oneLine(s.statement.sql), 'sql'),
        `params: \`${JSON.stringify(s.statement.params).slice(0, 300)}\``,
        '',
        codeBlock(s.plan),
      ].join('\n'),
    );
    details.push(
      `#### Over target: ${m.testCase.label} (HTTP cold median ${ms(coldMedian)} ms, repeated ${ms(median(m.http))} ms, in-process uncached ${ms(median(m.inProcess))} ms, target ≤ ${m.testCase.targetMs} ms)\n\n${parts.join('\n\n')}`,
    );
  }
  if (details.length) {
    details.unshift(
      'Plans and per-statement times of every case over its target. `bench/diagnose/exchangeWhatIf.ts <exchange .db>` times these statements against the proposed indexes and rewrites on a copy of a database (seed one with `npm run seed -- --per-exchange 250000 --exchange bj --data-dir <dir>`).',
    );
  }
  return { sections, targets, details };
}

export interface Bumper {
  datasetId: string;
  (): Promise<void>;
}

/**
 * Moves the exchange's catalog version, changing as little as possible: POST /admin/prices sets one priced
 * listing back and forth between its price and one micro-yuan more (setting the price it already has is
 * not a change: the exchange answers `changed: false` and keeps its version).
 */
export async function versionBumper(graphqlUrl: string, adminToken: string, client: GraphqlClient): Promise<Bumper> {
  const data = await client.data<{ datasets: { nodes: Array<{ id: string; price: { model: string; amount: string | null } }> } }>(
    '{ datasets(first: 1, sort: TITLE_ASC, filter: { pricingModels: [PER_CALL, PER_THOUSAND_RECORDS, MONTHLY, ANNUAL, ONE_TIME] }) { nodes { id price { model amount } } } }',
  );
  const listing = data.datasets.nodes[0];
  const url = new URL('/admin/prices', graphqlUrl);
  const micros = parseAmountMicros(listing.price.amount!)!;
  const bodies = [micros + 1, micros].map((m) => JSON.stringify({ datasetId: listing.id, model: listing.price.model, amount: formatMicros(m) }));
  let last = '';
  let turn = 0;
  const bump = async () => {
    const body = bodies[turn++ % 2];
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await response.json()) as { catalogVersion?: string; error?: string };
    if (!response.ok || !answer.catalogVersion || answer.catalogVersion === last)
      throw new Error(`version bump failed: ${response.status} ${JSON.stringify(answer)}`);
    last = answer.catalogVersion;
  };
  return Object.assign(bump, { datasetId: listing.id });
}

/** Each sample right after a version bump (the bump is not timed); the first two are not kept. */
async function timeCold(send: () => Promise<unknown>, bump: Bumper, samples: number): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < samples + 2; i++) {
    await bump();
    const started = performance.now();
    await send();
    if (i >= 2) durations.push(performance.now() - started);
  }
  return durations;
}

async function measureCase(
  testCase: Case,
  env: { client: GraphqlClient; store: ReadOnlyStore; samples: number; warmup: number; coldSamples: number; bump: Bumper },
): Promise<Measured> {
  const { client, store, samples, warmup, coldSamples, bump } = env;
  const statementRuns = Math.min(samples, 20);
  if (testCase.kind === 'stats') {
    const variables = { filter: testCase.filter, groupBy: testCase.groupBy };
    const request = statsRequest(testCase);
    const first = await client.data(request.query, variables);
    const cold = await timeCold(() => client.data(request.query, variables), bump, coldSamples);
    const http = await timeSequential(() => client.data(request.query, variables), { warmup, samples });
    const inProcess = await timeSequential(() => request.inProcess(store.session()), { warmup, samples });
    const session = store.session();
    request.inProcess(session);
    return {
      testCase,
      cold,
      http,
      inProcess,
      rows: request.rowsOf(first),
      statements: session.statements.map((statement) => ({
        statement,
        medianMs: median(store.timeStatement(statement, statementRuns)),
        plan: store.explain(statement),
      })),
    };
  }

  // Walk to the page, if deep: cursor only, as a client paging through would get it.
  let after: string | null = null;
  let note: string | undefined;
  if (testCase.page > 1) {
    const started = performance.now();
    let pages = 0;
    for (; pages < testCase.page - 1; pages++) {
      const data: any = await client.data(WALK_QUERY, { filter: testCase.filter, sort: testCase.sort, first: 20, after });
      after = data.datasets.pageInfo.endCursor;
      if (!data.datasets.pageInfo.hasNextPage) break;
    }
    if (pages < testCase.page - 1) throw new Error(`${testCase.label}: only ${pages + 1} pages exist; choose a broader filter or a smaller --deep-page`);
    note = `walked ${testCase.page - 1} pages in ${((performance.now() - started) / 1000).toFixed(1)} s (${ms((performance.now() - started) / (testCase.page - 1))} ms per cursor-only page)`;
  }
  const variables = { filter: testCase.filter, sort: testCase.sort, first: 20, after };
  const first: any = await client.data(PAGE_QUERY, variables);
  if (testCase.page > 1) {
    // Page N must hold items (N-1)*20+1 .. N*20 of the order: check with the store, in pages of 100.
    const expected = expectedIds(store, testCase, (testCase.page - 1) * 20, 20);
    const got = (first.datasets.edges as Array<{ node: { id: string } }>).map((e) => e.node.id);
    if (JSON.stringify(expected) !== JSON.stringify(got))
      throw new Error(`${testCase.label}: page ${testCase.page} is not items ${(testCase.page - 1) * 20 + 1}-${testCase.page * 20} of the order`);
  }
  const cold = await timeCold(() => client.data(PAGE_QUERY, variables), bump, coldSamples);
  const http = await timeSequential(() => client.data(PAGE_QUERY, variables), { warmup, samples });

  const page = checkPageArgs({ first: 20, after, sort: testCase.sort });
  const resolve = () => {
    const session = store.session();
    const connection = toConnection(session.page({ filter: testCase.filter, sort: page.sort, limit: page.first, after: page.after }), page, () =>
      session.count(testCase.filter),
    );
    return { session, totalCount: connection.totalCount() };
  };
  const inProcess = await timeSequential(resolve, { warmup, samples });
  const { session, totalCount } = resolve();
  if (totalCount !== first.datasets.totalCount)
    throw new Error(`${testCase.label}: in-process totalCount ${totalCount} differs from the exchange's ${first.datasets.totalCount}`);
  return {
    testCase,
    cold,
    http,
    inProcess,
    totalCount,
    rows: first.datasets.edges.length,
    note,
    statements: session.statements.map((statement) => ({
      statement,
      medianMs: median(store.timeStatement(statement, statementRuns)),
      plan: store.explain(statement),
    })),
  };
}

/** The query of a statistics case (priceStats or priceStatistics), its in-process equivalent, and its rows. */
function statsRequest(testCase: StatsCase): {
  query: string;
  inProcess: (session: ReturnType<ReadOnlyStore['session']>) => unknown;
  rowsOf: (data: any) => number;
} {
  const groupBy = testCase.groupBy;
  if (Array.isArray(groupBy)) {
    return {
      query: STATISTICS_QUERY,
      inProcess: (session) => session.statistics(testCase.filter, groupBy),
      rowsOf: (data) => data.priceStatistics.buckets.length,
    };
  }
  return { query: STATS_QUERY, inProcess: (session) => foldStatsRows(session.stats(testCase.filter, groupBy)), rowsOf: (data) => data.priceStats.length };
}

/** Ids of the rows at [offset, offset + count) in the case's order, read with the store in pages of 100. */
function expectedIds(store: ReadOnlyStore, testCase: PageCase, offset: number, count: number): string[] {
  const ids: string[] = [];
  let after: string | null = null;
  while (ids.length < offset + count) {
    const page = checkPageArgs({ first: 100, after, sort: testCase.sort });
    const rows = store.session().page({ filter: testCase.filter, sort: page.sort, limit: 100, after: page.after }).slice(0, 100);
    if (rows.length === 0) break;
    ids.push(...rows.map((r) => r.id));
    after = cursorOf(rows[rows.length - 1], testCase.sort);
  }
  return ids.slice(offset, offset + count);
}
