import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderRecord } from '../../shared/domain.ts';
import { providerRegistry } from '../../seed/providers.ts';
import { startProvidersServer, type RunningProvidersServer } from '../../subgraphs/providers/server.ts';

interface GraphQLResponse {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

let server: RunningProvidersServer;
const batches: string[][] = [];

async function query(text: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await res.json()) as GraphQLResponse;
}

const PROVIDER = 'query($uscc: ID!) { provider(uscc: $uscc) { uscc name nameZh kind divisionCode province } }';
const PAGE = `query($filter: ProviderFilter, $first: Int, $after: String) {
  providers(filter: $filter, first: $first, after: $after) {
    edges { cursor node { uscc name nameZh kind province } } nodes { uscc } pageInfo { hasNextPage endCursor } totalCount } }`;

/** Walks every page of a filter and returns the USCCs in the order served. */
async function walk(filter: Record<string, unknown> | null, first: number): Promise<{ usccs: string[]; totalCount: number }> {
  const usccs: string[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let guard = 0; guard < 1000; guard++) {
    const { data, errors } = await query(PAGE, { filter, first, after });
    expect(errors).toBeUndefined();
    const connection = data.providers;
    totalCount = connection.totalCount;
    expect(connection.nodes.map((n: { uscc: string }) => n.uscc)).toEqual(connection.edges.map((e: any) => e.node.uscc));
    usccs.push(...connection.edges.map((e: any) => e.node.uscc));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { usccs, totalCount };
}

const registry = (): readonly ProviderRecord[] => providerRegistry();
const byName = (nameZh: string) => registry().find((p) => p.nameZh === nameZh)!;

beforeAll(async () => {
  server = await startProvidersServer({ port: 0, hooks: { onBatch: (keys) => batches.push([...keys]) } });
});
afterAll(async () => {
  await server?.close();
});

describe('providers subgraph over HTTP', () => {
  it('listens on the port it was given, answers health and 404s other paths', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/graphql`);
    const base = server.url.replace(/\/graphql$/, '');
    const health = await fetch(`${base}/health`);
    expect(await health.json()).toEqual({ status: 'ok', providers: registry().length });
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('answers GET queries that carry a CSRF-safe header', async () => {
    const url = `${server.url}?query=${encodeURIComponent('{ providers(first: 1) { totalCount } }')}`;
    const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await res.json()).toEqual({ data: { providers: { totalCount: registry().length } } });
  });

  it('finds a provider by USCC', async () => {
    const bureau = byName('上海市市场监督管理局');
    const { data, errors } = await query(PROVIDER, { uscc: bureau.uscc });
    expect(errors).toBeUndefined();
    expect(data.provider).toEqual({
      uscc: bureau.uscc,
      name: 'Shanghai Municipal Administration for Market Regulation',
      nameZh: '上海市市场监督管理局',
      kind: 'GOVERNMENT_DEPARTMENT',
      divisionCode: '310000',
      province: 'Shanghai',
    });
  });

  it('returns null for a valid USCC it does not know', async () => {
    expect(registry().some((p) => p.uscc === '91110000600037341L')).toBe(false);
    const { data, errors } = await query(PROVIDER, { uscc: '91110000600037341L' });
    expect(errors).toBeUndefined();
    expect(data.provider).toBeNull();
  });

  it.each([
    ['length', '91110000600037341', /18 characters, got 17.*length rule/],
    ['charset', '9111000060003734IL', /position 17 is not in the USCC character set.*character set rule/],
    ['org-code-check', '91110000600037342L', /position 17\) should be 1.*organisation-code check rule/],
    ['uscc-check', '91110000600037341X', /position 18\) should be L.*USCC check rule/],
  ])('rejects a USCC that fails the %s rule as BAD_USER_INPUT naming the rule', async (rule, uscc, message) => {
    const { data, errors } = await query(PROVIDER, { uscc });
    expect(data.provider).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors![0].message).toMatch(message);
    expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'uscc', rule });
    // No stack trace unless NODE_ENV=development (the test runner sets NODE_ENV=test).
    expect(errors![0].extensions).not.toHaveProperty('stacktrace');
  });

  it('filters by a Chinese or English name substring, ignoring case', async () => {
    const mobile = registry()
      .filter((p) => p.nameZh.includes('中国移动'))
      .map((p) => p.uscc);
    expect(mobile.length).toBe(8);
    expect((await walk({ text: '中国移动' }, 100)).usccs).toEqual(mobile);
    expect((await walk({ text: 'cHiNa MoBiLe' }, 100)).usccs).toEqual(mobile);
    const { usccs, totalCount } = await walk({ text: '卫生健康委员会' }, 100);
    expect(totalCount).toBe(usccs.length);
    expect(usccs).toContain(byName('太原市卫生健康委员会').uscc);
  });

  it('filters by kinds', async () => {
    const expected = registry()
      .filter((p) => p.kind === 'FOREIGN_INVESTED_ENTERPRISE' || p.kind === 'SOCIAL_ORGANIZATION')
      .map((p) => p.uscc);
    const { usccs, totalCount } = await walk({ kinds: ['FOREIGN_INVESTED_ENTERPRISE', 'SOCIAL_ORGANIZATION'] }, 100);
    expect(usccs).toEqual(expected);
    expect(totalCount).toBe(expected.length);
  });

  it('filters by province name in any case or by a 2- or 6-digit division code', async () => {
    const shanxi = registry()
      .filter((p) => p.province === 'Shanxi')
      .map((p) => p.uscc);
    expect(shanxi).toHaveLength(300);
    for (const province of ['Shanxi', 'shanxi', '14', '140100', '山西']) {
      expect((await walk({ province }, 100)).usccs, province).toEqual(shanxi);
    }
    expect((await walk({ province: 'Atlantis' }, 100)).usccs).toEqual([]);
  });

  it('combines filters', async () => {
    const expected = registry()
      .filter((p) => p.province === 'Guizhou' && p.kind === 'GOVERNMENT_DEPARTMENT' && p.name.toLowerCase().includes('bureau'))
      .map((p) => p.uscc);
    expect(expected.length).toBeGreaterThan(10);
    expect((await walk({ province: 'GUIZHOU', kinds: ['GOVERNMENT_DEPARTMENT'], text: 'Bureau' }, 7)).usccs).toEqual(expected);
  });

  it('walks every provider in USCC order by keyset pages, with no gap and no duplicate', async () => {
    const all = registry().map((p) => p.uscc);
    const { usccs, totalCount } = await walk(null, 100);
    expect(totalCount).toBe(all.length);
    expect(usccs).toEqual(all);
    // An odd page size crosses page boundaries at other places.
    expect((await walk({ province: 'Beijing' }, 37)).usccs).toEqual(
      registry()
        .filter((p) => p.province === 'Beijing')
        .map((p) => p.uscc),
    );
  });

  it('serves an empty page for first: 0 that still counts and continues', async () => {
    const { data } = await query(PAGE, { first: 0 });
    expect(data.providers.edges).toEqual([]);
    expect(data.providers.totalCount).toBe(registry().length);
    expect(data.providers.pageInfo).toEqual({ hasNextPage: true, endCursor: null });
  });

  it('defaults to pages of 20', async () => {
    const { data } = await query(PAGE, {});
    expect(data.providers.edges).toHaveLength(20);
  });

  it.each([[-1], [101], [1.5]])('rejects first: %s as BAD_USER_INPUT naming first', async (first) => {
    const { errors } = await query(PAGE, { first });
    expect(errors).toHaveLength(1);
    if (Number.isInteger(first)) {
      expect(errors![0].message).toMatch(/^first: must be between 0 and 100/);
      expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    } else {
      // 1.5 is not an Int: GraphQL itself refuses the variable.
      expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(errors![0].message).toMatch(/first/);
    }
  });

  it.each([['not a cursor'], ['ZZZZ'], [Buffer.from('91110000600037341X').toString('base64url')]])(
    'rejects after: %j as BAD_USER_INPUT naming after',
    async (after) => {
      const { errors } = await query(PAGE, { after });
      expect(errors).toHaveLength(1);
      expect(errors![0].message).toMatch(/^after: /);
      expect(errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    },
  );

  it('resolves a batch of Provider references in order, in one load', async () => {
    const picks = [registry()[5], registry()[4000], registry()[17]];
    const representations = [
      ...picks.map((p) => ({ __typename: 'Provider', uscc: p.uscc })),
      { __typename: 'Provider', uscc: '91110000600037341L' },
      { __typename: 'Provider', uscc: 'not-a-uscc' },
      { __typename: 'Provider', uscc: picks[0].uscc },
    ];
    batches.length = 0;
    const { data, errors } = await query('query($r: [_Any!]!) { _entities(representations: $r) { ... on Provider { uscc nameZh kind } } }', {
      r: representations,
    });
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([
      ...picks.map((p) => ({ uscc: p.uscc, nameZh: p.nameZh, kind: p.kind })),
      null,
      null,
      { uscc: picks[0].uscc, nameZh: picks[0].nameZh, kind: picks[0].kind },
    ]);
    // The malformed USCC never reaches the loader, and the repeated one is loaded once.
    expect(batches).toEqual([[...picks.map((p) => p.uscc), '91110000600037341L']]);
  });
});
