/**
 * What may import what (`npm run lint:deps`). The picture is in docs/architecture.md; in short:
 * the gateway and the subgraphs meet only in schema/ (the contracts, the merge rules) and shared/ (what
 * both sides compute the same way), never in each other's code; nothing imports in a circle, not even
 * between the gateway's folders; and exchanges are called over HTTP from gateway/src/exchangeClient only.
 */
/** The gateway's folders, each a concern (gateway/src/<folder>/). */
const GATEWAY_FOLDER = '^gateway/src/([^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'gateway-not-to-subgraphs',
      comment: 'The gateway loads subgraph schemas as data (schema/) and never runs subgraph code: that code brings its store (better-sqlite3) into the gateway process.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^subgraphs/' },
    },
    {
      name: 'subgraphs-not-to-gateway',
      comment: 'An exchange or the providers subgraph is deployed without the gateway; what both need lives in schema/ or shared/.',
      severity: 'error',
      from: { path: '^subgraphs/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'shared-and-schema-stand-alone',
      comment: 'shared/ and schema/ are what the gateway and the subgraphs have in common: they import neither side (nor the seed, the scripts, the tests or the benchmark).',
      severity: 'error',
      from: { path: '^(shared|schema)/' },
      to: { path: '^(gateway|subgraphs|seed|scripts|test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'A circle of imports has no first module to read, and its modules load half-initialised.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-between-gateway-folders',
      comment: 'The gateway\'s folders are layers: when folder A imports folder B, B never imports A, directly or through other folders. Checked on the graph collapsed to folders by test/gatewayModuleGraph.test.ts, and here for the pairs that once went both ways.',
      severity: 'error',
      from: { path: '^gateway/src/(cache|directory|exchangeClient|registry|supergraph)/' },
      to: { path: '^gateway/src/shards/' },
    },
    {
      name: 'shards-not-to-http',
      comment: 'The shard router knows nothing of HTTP routes; the routes are composed on top of it.',
      severity: 'error',
      from: { path: '^gateway/src/shards/' },
      to: { path: '^gateway/src/http/' },
    },
    {
      name: 'exchange-client-is-a-leaf',
      comment: 'gateway/src/exchangeClient is how every part of the gateway calls an exchange; it depends on no other part of the gateway.',
      severity: 'error',
      from: { path: '^gateway/src/exchangeClient/' },
      to: { path: '^gateway/src/', pathNot: '^gateway/src/exchangeClient/' },
    },
    {
      name: 'exchange-http-only-in-exchange-client',
      comment: 'Only gateway/src/exchangeClient speaks HTTP to exchanges (timeouts, size caps, the allow-list at every connect, errors as values). Elsewhere in the gateway, call it instead of undici or fetch.',
      severity: 'error',
      from: { path: '^gateway/src/', pathNot: '^gateway/src/exchangeClient/' },
      to: { path: '^node_modules/undici/' },
    },
    {
      name: 'only-the-start-up-imports-the-start-up',
      comment: 'createGateway.ts composes the parts; no part imports it back (main.ts starts it).',
      severity: 'error',
      from: { path: '^gateway/src/', pathNot: '^gateway/src/main\\.ts$' },
      to: { path: '^gateway/src/createGateway\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
