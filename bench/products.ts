/**
 * What products and crossListed cost through the gateway (figures in docs/products.md "What it costs"):
 * `npx tsx bench/products.ts 20000` starts the stack with that many listings per exchange and prints, per
 * query, the time and the calls each exchange received (cold first, then with the fetcher's cache).
 */
import { startStack } from '../devkit/stack.ts';
import { graphql } from '../test/helpers/graphql.ts';

const per = Number(process.argv[2] ?? 2000);
const stack = await startStack({ perExchange: per, exchangeTimeoutMs: 30000, proxies: true });
const calls = () => Object.fromEntries(Object.entries(stack.proxies).map(([k, p]) => [k, p.calls]));
const reset = () => Object.values(stack.proxies).forEach((p) => p.reset());
async function time(label: string, query: string) {
  reset();
  const t0 = performance.now();
  const r = await graphql(stack.gatewayUrl, query);
  const ms = Math.round(performance.now() - t0);
  console.log(JSON.stringify({ per, label, ms, calls: calls(), errors: r.errors?.length ?? 0, bytes: JSON.stringify(r.data).length }));
  return r;
}
try {
  await time('crossListed count cold', '{ datasets(filter: { crossListed: true }, first: 0) { totalCount } }');
  await time('crossListed count warm(other filter)', '{ datasets(filter: { crossListed: false }, first: 0) { totalCount } }');
  await time(
    'products min2 code page 20 (no totalCount)',
    '{ products(filter: { minExchanges: 2 }, first: 20) { nodes { productCode listings { id price { model amount } } } } }',
  );
  await time('products min1 code page 20 (no totalCount)', '{ products(first: 20) { nodes { productCode listings { id } } } }');
  await time(
    'products min2 totalCount cold',
    '{ products(filter: { minExchanges: 2, datasets: { types: [DATASET, DATA_SERVICE, DATA_REPORT, MODEL] } }, first: 20) { totalCount nodes { productCode } } }',
  );
  await time(
    'products SPREAD_DESC min2 cold',
    '{ products(filter: { minExchanges: 2, datasets: { delivery: [API, FILE, PRIVACY_COMPUTING, SANDBOX, REPORT] } }, sort: SPREAD_DESC, first: 20) { totalCount nodes { productCode spread { ratio } } } }',
  );
  await time(
    'products SPREAD_DESC min1 cold (every product)',
    '{ products(sort: SPREAD_DESC, first: 20) { totalCount nodes { productCode spread { ratio } } } }',
  );
  await time(
    'products SPREAD_DESC min1 again (cached scans)',
    '{ products(sort: SPREAD_DESC, first: 20, filter: null) { totalCount nodes { productCode spread { ratio } } } }',
  );
} finally {
  await stack.stop();
}
