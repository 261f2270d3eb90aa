import {
  GraphQLError,
  extendSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { objectCountEstimator, queryDepthRule } from '../http/queryLimits.ts';
import { scalarLiteralsRule } from '../../../shared/graphql/scalarLiteralsRule.ts';
import { DateTimeScalar, DecimalScalar } from '../../../shared/graphql/scalars.ts';

/**
 * The gateway's Subscription type. @apollo/gateway plans queries only, so subscriptions are executed by
 * the gateway itself (gateway/src/live/) over the public schema extended with this type; the PriceChange
 * type and its filter are the exchange contract's (schema/exchange.graphql).
 */
export const SUBSCRIPTION_SDL = `
"Live updates, over Server-Sent Events at /graphql/stream or graphql-ws at /graphql (docs/live-prices.md)."
type Subscription {
  """
  Every price change that matches the filter, within seconds of the change on its exchange. Each event's
  extensions.cursor (and SSE event id) is a cursor: give it as \`after\` (or as the Last-Event-ID header)
  to resume right after that event, with no change lost or repeated. Without \`after\`: from now.
  """
  priceChanged(filter: PriceChangeFilter, after: String): PriceChange!
}
`;

export const SUBSCRIPTION_FIELD = 'priceChanged';

/** The public schema with Subscription added: what live operations are validated and executed against. */
export function withSubscriptions(apiSchema: GraphQLSchema): GraphQLSchema {
  if (apiSchema.getSubscriptionType()) return apiSchema;
  return extendSchema(apiSchema, parse(`${SUBSCRIPTION_SDL}\nextend schema { subscription: Subscription }`), { assumeValidSDL: true });
}

export interface LiveLimits {
  maxQueryDepth: number;
  maxQueryCost: number;
  /** MAX_QUERY_ALIASES: the gateway query fetching a batch of changes' entities is held to it (renderChange.ts). */
  maxQueryAliases?: number;
}

export type CheckedOperation = { document: DocumentNode; operation: OperationDefinitionNode } | { errors: GraphQLError[] };

/**
 * A live operation checked as a query is: the schema, the depth limit (MAX_QUERY_DEPTH), the literal
 * rules, and the cost limit (MAX_QUERY_COST, the objects one event may hold). Only subscriptions are
 * served here; queries go to POST /graphql.
 */
export function checkLiveOperation(
  schema: GraphQLSchema,
  input: { query: string | DocumentNode; operationName?: string | null; variables?: Record<string, unknown> | null },
  limits: LiveLimits,
): CheckedOperation {
  let document: DocumentNode;
  try {
    document = typeof input.query === 'string' ? parse(input.query) : input.query;
  } catch (err) {
    return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
  }
  const errors = validate(schema, document, [...specifiedRules, queryDepthRule(limits.maxQueryDepth), scalarLiteralsRule([DecimalScalar, DateTimeScalar])]);
  if (errors.length > 0) return { errors: [...errors] };
  const operation = getOperationAST(document, input.operationName ?? undefined);
  if (!operation) return { errors: [new GraphQLError('operationName: name the operation to run (the document has several, or none by that name)')] };
  if (operation.operation !== 'subscription') {
    return { errors: [new GraphQLError(`this endpoint serves subscriptions; send ${operation.operation} operations to POST /graphql`)] };
  }
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables: input.variables ?? {},
      operationName: input.operationName ?? undefined,
      estimators: [objectCountEstimator],
    });
  } catch (err) {
    return { errors: [new GraphQLError(`variables: ${(err as Error).message}`)] };
  }
  if (cost > limits.maxQueryCost) {
    return {
      errors: [
        new GraphQLError(`query cost ${cost} is over the limit of ${limits.maxQueryCost} (MAX_QUERY_COST): select fewer nested lists in each event`, {
          extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: limits.maxQueryCost },
        }),
      ],
    };
  }
  return { document, operation };
}
