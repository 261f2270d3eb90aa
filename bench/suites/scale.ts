/**
 * A million listings through the gateway: the same researcher queries over 4 × 2,500 and 4 × 250,000
 * listings, the gateway's caches off (CACHE_DISABLED=1) and every exchange's catalog version moved before
 * each sample (not timed), so no aggregate an exchange keeps per version answers either. Targets: each
 * query at most 2× its median at 4 × 2,500, and at most 100 ms median.
 *
 * The databases are seeded once into --scale-data-dir (`big/` and `small/`) and reused by later runs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { GraphqlClient } from '../lib/graphqlClient.ts';
import { passFail } from '../lib/markdown.ts';
import { seedCatalog, startExchange, startOurGateway, startProviders, type BenchResources } from '../lib/stack.ts';
import { median, ms, percentile } from '../lib/stats.ts';
import { cpuMsOf } from '../lib/cpu.ts';
import { intFlag, type Suite, type SuiteContext, type SuiteReport, type TargetCheck } from '../lib/suite.ts';
import { versionBumper, type Bumper } from './exchangeSpeed.ts';

const SIZES = [
  { name: 'small', perExchange: 2_500 },
  { name: 'big', perExchange: 250_000 },
] as const;
const TARGET_MS = 100;
const TARGET_RATIO = 2;
const WALK_PAGES = 50;

const LISTING_FIELDS = 'id title price { model amount } updatedAt';

interface ScaleCase {
  label: string;
  query: string;
  variables: Record<string, unknown>;
}

const statsQuery = `query Stats($filter: DatasetFilter, $groupBy: StatsGroup!) { priceStats(filter: $filter, groupBy: $groupBy) { key count pricedCount min p50 p90 max } }`;
const pageQuery = `query Page($filter: DatasetFilter, $sort: DatasetSort, $after: String) {
  datasets(filter: $filter, sort: $sort, first: 50, after: $after) { totalCount missingExchanges pageInfo { hasNextPage endCursor } nodes { ${LISTING_FIELDS} } } }`;
const searchQuery = `query Search($filter: DatasetFilter) { datasets(filter: $filter, sort: PRICE_ASC, first: 20) {
  totalCount missingExchanges nodes { ${LISTING_FIELDS} provider { uscc name kind } exchange { id name } } } }`;
const SINCE = '2024-01-01T00:00:00Z';

const CASES: ScaleCase[] = [
  { label: 'text "数据" sorted by price, provider + exchange joins', query: searchQuery, variables: { filter: { text: '数据' } } },
  { label: 'text "vaccination" sorted by price, provider + exchange joins', query: searchQuery, variables: { filter: { text: 'vaccination' } } },
  {
    label: 'facets: categories [PUBLIC_HEALTH, TELECOM] + providerKinds [PRIVATE, STATE_OWNED], page of 50',
    query: pageQuery,
    variables: { filter: { categories: ['PUBLIC_HEALTH', 'TELECOM'], providerKinds: ['PRIVATE_ENTERPRISE', 'STATE_OWNED_ENTERPRISE'] }, sort: 'UPDATED_DESC' },
  },
  {
    label: 'facets: types [MODEL] + delivery [API], PRICE_ASC, page of 50',
    query: pageQuery,
    variables: { filter: { types: ['MODEL'], delivery: ['API'] }, sort: 'PRICE_ASC' },
  },
  { label: 'priceStats(groupBy: CATEGORY), no filter', query: statsQuery, variables: { groupBy: 'CATEGORY', filter: null } },
  {
    label: `priceStats(groupBy: CATEGORY), updatedSince ${SINCE.slice(0, 10)}`,
    query: statsQuery,
    variables: { groupBy: 'CATEGORY', filter: { updatedSince: SINCE } },
  },
  {
    label: 'priceStats(groupBy: CATEGORY), categories [FINANCE] + pricingModels [PER_CALL, ANNUAL]',
    query: statsQuery,
    variables: { groupBy: 'CATEGORY', filter: { categories: ['FINANCE'], pricingModels: ['PER_CALL', 'ANNUAL'] } },
  },
  { label: 'priceStats(groupBy: EXCHANGE), no filter', query: statsQuery, variables: { groupBy: 'EXCHANGE', filter: null } },
  {
    label: `priceStats(groupBy: EXCHANGE), updatedSince ${SINCE.slice(0, 10)}`,
    query: statsQuery,
    variables: { groupBy: 'EXCHANGE', filter: { updatedSince: SINCE } },
  },
  {
    label: `priceStats(groupBy: EXCHANGE), delivery [API] + updatedSince ${SINCE.slice(0, 10)}`,
    query: statsQuery,
    variables: { groupBy: 'EXCHANGE', filter: { delivery: ['API'], updatedSince: SINCE } },
  },
];
const WALK_LABEL = `walk of ${WALK_PAGES} pages of 50, UPDATED_DESC (per page)`;

export const scaleSuite: Suite = {
  name: 'scale',
  title: 'A million listings through the gateway (4 × 250,000 against 4 × 2,500, caches off)',
  optIn: true,
  flags: {
    'scale-data-dir': {
      default: join(tmpdir(), 'exchange-catalog-scale'),
      description: 'where the scale suite keeps its seeded databases (big/ and small/); seeded once, reused by later runs',
    },
    'scale-query-samples': { default: '15', description: 'measured requests per query and size in the scale suite (each after a version bump)' },
  },
  run: runScale,
};

/** Seeds `dir` with 4 × `perExchange` unless it already holds all four databases. */
async function ensureSeeded(resources: BenchResources, dir: string, perExchange: number, log: (m: string) => void): Promise<string> {
  if (DEFAULT_EXCHANGES.every((e) => existsSync(join(dir, `${e.id}.db`)))) {
    log(`  reusing ${dir}`);
    return `reused ${dir}`;
  }
  mkdirSync(dir, { recursive: true });
  log(`  seeding 4 × ${perExchange} into ${dir} ...`);
  const seeded = await seedCatalog(resources, { perExchange, dataDir: dir, timeoutMs: 30 * 60_000 });
  return `seeded in ${(seeded.wallMs / 1000).toFixed(0)} s`;
}

interface SizeFigures {
  medians: Map<string, number>;
  /** CPU ms per measured request, the gateway's, the exchanges' and the providers' together (a loaded machine moves latency far more). */
  cpuMs: Map<string, number>;
  p90s: Map<string, number>;
  walkTotalMs: number;
  totalListings: number;
}

async function measureSize(context: SuiteContext, dir: string, samples: number): Promise<SizeFigures> {
  const { resources, log } = context;
  const adminToken = randomBytes(16).toString('hex');
  const providers = await startProviders(resources);
  const exchanges = await Promise.all(
    DEFAULT_EXCHANGES.map((e) => startExchange(resources, e.id, join(dir, `${e.id}.db`), { EXCHANGE_ADMIN_TOKEN: adminToken })),
  );
  const gateway = await startOurGateway(resources, {
    name: `scale-gateway`,
    dir: resources.tempDir('scale'),
    providersUrl: providers.url,
    exchanges: exchanges.map((s, i) => ({ id: DEFAULT_EXCHANGES[i].id, url: s.url })),
    env: { CACHE_DISABLED: '1', EXCHANGE_TIMEOUT_MS: '30000' },
  });
  const client = new GraphqlClient(gateway.url);
  const bumpClients = exchanges.map((s) => new GraphqlClient(s.url));
  try {
    const bumps: Bumper[] = await Promise.all(exchanges.map((s, i) => versionBumper(s.url, adminToken, bumpClients[i])));
    const bumpAll = () => Promise.all(bumps.map((b) => b()));
    const send = async (c: { query: string; variables: Record<string, unknown> }) => {
      const answer = await client.post(c.query, c.variables, 60_000);
      if (answer.status !== 200 || answer.body.errors?.length || !answer.body.data) throw new Error(`scale: ${JSON.stringify(answer.body).slice(0, 300)}`);
      const missing = (answer.body.data as any).datasets?.missingExchanges;
      if (missing?.length) throw new Error(`scale: exchanges missing from an answer: ${missing.join(', ')}`);
      return answer;
    };
    const medians = new Map<string, number>();
    const p90s = new Map<string, number>();
    const cpuMs = new Map<string, number>();
    const pids = [gateway, ...exchanges, providers].map((s) => s.child.pid);
    for (const c of CASES) {
      for (let i = 0; i < 3; i++) await send(c);
      const times: number[] = [];
      let cpu = 0;
      for (let i = 0; i < samples; i++) {
        await bumpAll();
        const before = cpuMsOf(pids);
        times.push((await send(c)).ms);
        cpu += cpuMsOf(pids) - before;
      }
      medians.set(c.label, median(times));
      cpuMs.set(c.label, cpu / samples);
      p90s.set(c.label, percentile(times, 0.9));
      log(`    ${c.label}: median ${ms(median(times))} ms`);
    }
    // The walk: pages 1..50 one after the other, each timed; the catalog moves once before it.
    await bumpAll();
    const pages: number[] = [];
    let after: string | null = null;
    let totalListings = 0;
    for (let page = 1; page <= WALK_PAGES; page++) {
      const answer = await send({ query: pageQuery, variables: { sort: 'UPDATED_DESC', after } });
      const connection = (answer.body.data as any).datasets;
      if (connection.nodes.length !== 50) throw new Error(`scale: page ${page} of the walk has ${connection.nodes.length} listings, not 50`);
      totalListings = connection.totalCount;
      after = connection.pageInfo.endCursor;
      pages.push(answer.ms);
    }
    medians.set(WALK_LABEL, median(pages));
    cpuMs.set(WALK_LABEL, Number.NaN);
    p90s.set(WALK_LABEL, percentile(pages, 0.9));
    log(`    ${WALK_LABEL}: median ${ms(median(pages))} ms`);
    return { medians, p90s, cpuMs, walkTotalMs: pages.reduce((a, b) => a + b, 0), totalListings };
  } finally {
    client.close();
    for (const c of bumpClients) c.close();
    await resources.stop(gateway, ...exchanges, providers);
  }
}

async function runScale(context: SuiteContext): Promise<SuiteReport> {
  const { resources, flags, log } = context;
  const root = resolve(flags['scale-data-dir']);
  const samples = intFlag(flags, 'scale-query-samples', 3, 1000);
  const figures = new Map<string, SizeFigures>();
  const seedNotes: string[] = [];
  for (const size of SIZES) {
    const dir = join(root, size.name);
    seedNotes.push(`4 × ${size.perExchange.toLocaleString('en')}: ${await ensureSeeded(resources, dir, size.perExchange, log)}`);
    log(`  4 × ${size.perExchange} through the gateway`);
    figures.set(size.name, await measureSize(context, dir, samples));
  }
  const small = figures.get('small')!;
  const big = figures.get('big')!;
  const targets: TargetCheck[] = [];
  const rows = [...CASES.map((c) => c.label), WALK_LABEL].map((label) => {
    const [s, b] = [small.medians.get(label)!, big.medians.get(label)!];
    const pass = b <= TARGET_MS && b <= TARGET_RATIO * s;
    targets.push({ what: label, value: `${ms(b)} ms (${(b / s).toFixed(2)}× of ${ms(s)} ms)`, target: `≤ ${TARGET_MS} ms and ≤ ${TARGET_RATIO}×`, pass });
    const [cpuSmall, cpuBig] = [small.cpuMs.get(label)!, big.cpuMs.get(label)!];
    const cpu = Number.isNaN(cpuSmall) || Number.isNaN(cpuBig) ? '' : `${ms(cpuSmall)} / ${ms(cpuBig)} (${(cpuBig / cpuSmall).toFixed(2)}×)`;
    return [label, ms(s), ms(b), ms(big.p90s.get(label)!), `${(b / s).toFixed(2)}×`, cpu, passFail(pass)];
  });
  return {
    sections: [
      {
        title: 'Researcher queries through the gateway (medians)',
        table: { headers: ['query', '4 × 2,500 ms', '4 × 250,000 ms', '4 × 250,000 p90 ms', 'ratio', 'CPU ms per request, 2,500 / 250,000', 'result'], rows },
        text: [
          `Totals: ${small.totalListings.toLocaleString('en')} and ${big.totalListings.toLocaleString('en')} listings. Walk of ${WALK_PAGES} pages in total: ${ms(small.walkTotalMs)} ms and ${ms(big.walkTotalMs)} ms.`,
          `Each of ${samples} samples per query follows a catalog version move on every exchange (not timed), after 3 unmeasured requests; the gateway runs with CACHE_DISABLED=1. Databases: ${seedNotes.join('; ')}.`,
          `CPU per request: user + system time of the gateway, the four exchanges and the providers subgraph over the measured requests (not the version moves), divided by the samples; /proc reads it in 10 ms ticks, so more samples read it closer. On a shared machine it moves far less with the load than latency does.`,
        ].join('\n\n'),
      },
    ],
    targets,
  };
}
