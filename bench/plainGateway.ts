/**
 * The baseline for the gateway throughput suite: plain @apollo/gateway, no shard router. A static
 * supergraph composed from the exchange contract as an ordinary subgraph at ONE exchange URL, plus the
 * providers subgraph, served by @apollo/server's standalone server.
 *
 * env: PORT (0 for a free one), EXCHANGE_URL, PROVIDERS_URL. Logs {"msg":"plain gateway ready","url":...}.
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { typeDefs as exchangeTypeDefs } from '../subgraphs/exchange/schema.ts';
import { typeDefs as providersTypeDefs } from '../subgraphs/providers/schema.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`plainGateway: ${name} is required`);
    process.exit(2);
  }
  return value;
}

const composed = composeServices([
  { name: 'exchanges', typeDefs: exchangeTypeDefs, url: required('EXCHANGE_URL') },
  { name: 'providers', typeDefs: providersTypeDefs, url: required('PROVIDERS_URL') },
]);
if (composed.errors) {
  console.error(`plainGateway: the supergraph does not compose:\n${composed.errors.map((e) => e.message).join('\n')}`);
  process.exit(1);
}

const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl, logger: quiet }),
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
