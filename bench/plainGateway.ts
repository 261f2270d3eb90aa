/**
 * The baseline for the gateway throughput suite: plain @apollo/gateway, no shard router. A static
 * supergraph composed from the exchange contract as an ordinary subgraph at ONE exchange URL, plus the
 * providers subgraph, served by @apollo/server's standalone server.
 *
 * env: PORT (0 for a free one), EXCHANGE_URL, PROVIDERS_URL. Logs {"msg":"plain gateway ready","url":...}.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { oneExchangeSupergraph } from './lib/oneExchangeSupergraph.ts';

const supergraphSdl = oneExchangeSupergraph('plainGateway');

const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl, logger: quiet }),
  plugins: [ApolloServerPluginLandingPageDisabled()],
  logger: quiet,
});
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' } });
console.log(JSON.stringify({ msg: 'plain gateway ready', url: new URL('/graphql', url.replace('localhost', '127.0.0.1')).toString() }));

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
