import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

/**
 * The subgraph schemas as data, for both sides: each subgraph serves its schema from here, and the gateway
 * composes and checks against the same files without importing any subgraph's code.
 */
export const EXCHANGE_CONTRACT_PATH = fileURLToPath(new URL('./exchange.graphql', import.meta.url));
export const PROVIDERS_SCHEMA_PATH = fileURLToPath(new URL('./providers.graphql', import.meta.url));

/** The exchange contract (schema/exchange.graphql) as a DocumentNode. */
export const exchangeTypeDefs: DocumentNode = parse(readFileSync(EXCHANGE_CONTRACT_PATH, 'utf8'));

/** schema/providers.graphql as a DocumentNode. */
export const providersTypeDefs: DocumentNode = parse(readFileSync(PROVIDERS_SCHEMA_PATH, 'utf8'));
