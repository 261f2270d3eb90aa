import { composeServices } from '@apollo/composition';
import { typeDefs as exchangeTypeDefs } from '../../subgraphs/exchange/schema.ts';
import { typeDefs as providersTypeDefs } from '../../subgraphs/providers/schema.ts';

/**
 * The supergraph the comparison gateways (plain @apollo/gateway, Hive Gateway) serve: ONE exchange as an
 * ordinary subgraph (EXCHANGE_URL) plus providers (PROVIDERS_URL). Exits with a message when either env
 * variable is missing or the schemas do not compose.
 */
export function oneExchangeSupergraph(program: string): string {
  const required = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      console.error(`${program}: ${name} is required`);
      process.exit(2);
    }
    return value;
  };
  const composed = composeServices([
    { name: 'exchanges', typeDefs: exchangeTypeDefs, url: required('EXCHANGE_URL') },
    { name: 'providers', typeDefs: providersTypeDefs, url: required('PROVIDERS_URL') },
  ]);
  if (composed.errors) {
    console.error(`${program}: the supergraph does not compose:\n${composed.errors.map((e) => e.message).join('\n')}`);
    process.exit(1);
  }
  return composed.supergraphSdl;
}
