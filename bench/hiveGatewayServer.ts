/**
 * Hive Gateway, the contender of the cache suite: a static supergraph composed (with @apollo/composition)
 * from the exchange contract as an ordinary subgraph at ONE exchange URL, plus the providers subgraph,
 * served by @graphql-hive/gateway's programmatic runtime (createGatewayRuntime) on node:http, with the
 * cache the hive-gateway CLI uses by default (LocalForageCacheStorage: an in-memory LRU in Node).
 *
 * env: PORT (0 for a free one), EXCHANGE_URL, PROVIDERS_URL; RESPONSE_CACHE=1 turns on Hive's response
 * cache plugin (`responseCaching: { session: () => null }`: one cache for every caller, in that store).
 * Logs {"msg":"hive gateway ready","url":...,"responseCache":true|false}.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, LocalForageCacheStorage } from '@graphql-hive/gateway';
import { oneExchangeSupergraph } from './lib/oneExchangeSupergraph.ts';

const supergraphSdl = oneExchangeSupergraph('hiveGatewayServer');

const responseCache = process.env.RESPONSE_CACHE === '1';
const runtime = createGatewayRuntime({
  supergraph: supergraphSdl,
  // What the hive-gateway CLI uses when no cache is configured (in Node: an in-memory LRU).
  cache: new LocalForageCacheStorage(),
  logging: 'warn',
  graphiql: false,
  landingPage: false,
  ...(responseCache ? { responseCaching: { session: () => null } } : {}),
});

const server = createServer(runtime);
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => resolve());
});
const { port } = server.address() as AddressInfo;
console.log(JSON.stringify({ msg: 'hive gateway ready', url: `http://127.0.0.1:${port}/graphql`, responseCache }));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.dispose();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
