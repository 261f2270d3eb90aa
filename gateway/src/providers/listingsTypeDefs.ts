import { parse } from 'graphql';

/**
 * The `listings` subgraph, served in the gateway's process: what only the gateway can say about a
 * provider, because it alone sees every exchange's listings (see docs/providers.md). Kept apart from
 * listingsSubgraph.ts so that composing the supergraph does not bring in the shard router.
 */
export const listingsTypeDefs = parse(`
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Provider @key(fields: "uscc") {
  uscc: ID!
  "The exchanges this provider lists on, sorted by exchange id, each with its number of listings there; only exchanges with at least one. An exchange that did not answer is absent and named in an error with this field's path."
  listingsByExchange: [ExchangeListingCount!]!
  "The number of exchanges this provider lists on (the length of listingsByExchange)."
  exchangeCount: Int!
}

"How many listings a provider has on one exchange."
type ExchangeListingCount {
  exchange: Exchange!
  "Listings of the provider on this exchange, at least 1."
  count: Int!
}

type Exchange @key(fields: "id", resolvable: false) {
  id: ID!
}
`);
