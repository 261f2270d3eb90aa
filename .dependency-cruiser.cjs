/**
 * What may import what (`npm run lint:deps`). The picture is in docs/architecture.md; in short:
 * the gateway and the subgraphs meet only in schema/ (the contracts, the merge rules) and shared/ (what
 * both sides compute the same way), never in each other's code; nothing imports in a circle, not even
 * between the gateway's folders; and exchanges are called over HTTP from gateway/src/exchangeClient only.
 */
/**
 * The gateway's folders (gateway/src/<folder>/), lowest first, each with the folders it may import. A folder
 * never imports one above it, so there is no circle between folders either. Every folder may also import
 * the root modules logger.ts and metrics.ts; none imports config.ts (a builder states the settings it reads)
 * or createGateway.ts (which composes them all).
 */
const GATEWAY_LAYERS = [
  ['exchangeClient', []],
  ['directory', ['exchangeClient']],
  ['cache', ['exchangeClient', 'directory']],
  ['supergraph', ['directory', 'providers']],
  ['shards', ['exchangeClient', 'directory', 'cache']],
  ['registry', ['exchangeClient', 'directory', 'cache', 'supergraph']],
  ['http', ['exchangeClient', 'directory', 'cache', 'registry']],
  ['providers', ['exchangeClient', 'directory', 'shards']],
  ['server', ['directory', 'cache', 'supergraph', 'shards', 'http', 'providers']],
  ['live', ['exchangeClient', 'directory', 'cache', 'http']],
  ['exports', ['exchangeClient', 'directory', 'shards', 'http', 'server']],
];

const layerRules = GATEWAY_LAYERS.map(([folder, allowed]) => ({
  name: `gateway-layers-${folder}`,
  comment: `gateway/src/${folder} may import only ${allowed.length ? allowed.map((f) => `gateway/src/${f}`).join(', ') : 'no other gateway folder'} (and logger.ts, metrics.ts): see GATEWAY_LAYERS in .dependency-cruiser.cjs.`,
  severity: 'error',
  from: { path: `^gateway/src/${folder}/` },
  to: { path: '^gateway/src/', pathNot: `^gateway/src/(${[folder, ...allowed].join('|')})/|^gateway/src/(logger|metrics)\\.ts$` },
}));

const knownFolders = GATEWAY_LAYERS.map(([folder]) => folder).join('|');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'gateway-folders-have-a-layer',
      comment: 'A new folder in gateway/src takes its place in GATEWAY_LAYERS, with the folders it may import.',
      severity: 'error',
      from: { path: '^gateway/src/' },
      to: { path: '^gateway/src/[^/]+/', pathNot: `^gateway/src/(${knownFolders})/` },
    },
    {
      name: 'gateway-not-to-subgraphs',
      comment:
        'The gateway loads subgraph schemas as data (schema/) and never runs subgraph code: that code brings its store (better-sqlite3) into the gateway process.',
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
      comment:
        'shared/ and schema/ are what the gateway and the subgraphs have in common: they import neither side (nor the seed, the scripts, the tests or the benchmark).',
      severity: 'error',
      from: { path: '^(shared|schema)/' },
      to: { path: '^(gateway|subgraphs|seed|scripts|test|bench)/' },
    },
    {
      name: 'web-app-stands-alone',
      comment:
        'The web app (web/) is a plain client of the public GraphQL API, bundled for the browser: it imports no server code, and no server code imports it (the gateway serves the built files).',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(gateway|subgraphs|shared|schema|scripts|seed|conformance|devkit|test|bench)/' },
    },
    {
      name: 'nothing-imports-the-web-app',
      comment: 'The gateway serves web/dist as files (gateway/src/http/webApp.ts); it never imports the app.',
      severity: 'error',
      from: { path: '^(gateway|subgraphs|shared|schema|scripts|seed|conformance|devkit)/' },
      to: { path: '^web/' },
    },
    {
      name: 'no-circular',
      comment: 'A circle of imports has no first module to read, and its modules load half-initialised.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shards-not-to-http',
      comment: 'The shard router knows nothing of HTTP routes; the routes are composed on top of it.',
      severity: 'error',
      from: { path: '^gateway/src/shards/' },
      to: { path: '^gateway/src/http/' },
    },
    {
      name: 'exchange-http-only-in-exchange-client',
      comment:
        'Only gateway/src/exchangeClient speaks HTTP to exchanges (timeouts, size caps, the allow-list at every connect, errors as values). Elsewhere in the gateway, call it instead of undici or fetch.',
      severity: 'error',
      from: { path: '^gateway/src/', pathNot: '^gateway/src/exchangeClient/' },
      to: { path: '(^|/)node_modules/undici/' },
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
