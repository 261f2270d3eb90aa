import { GraphQLError, getNamedType, isLeafType, visit, type DocumentNode, type ValidationRule } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';

/**
 * Limits on what one query may ask of the catalog, checked before anything is fetched. One query can
 * fan out to every exchange, and nested lists multiply (100 datasets, each with its provider's 100
 * datasets, is 10,000 listings from every exchange): the depth limit stops chains of joins, the cost
 * limit stops queries that would return too many objects.
 */
export const DEFAULT_MAX_QUERY_DEPTH = 15;
export const DEFAULT_MAX_QUERY_COST = 10_000;
/** Variable sets whose cost is remembered per document. */
const MEMO_VARIABLE_SETS = 64;

/** Lists without a `first` argument, and the most items they hold (roughly). */
const LIST_SIZES: Record<string, number> = {
  'Query.priceStats': 20,
  // Up to 3 dimensions: exchanges x categories x pricing models is 4 x 18 x 7 = 504.
  'PriceStatistics.buckets': 500,
  'Query.exchanges': 16,
  'Dataset.priceHistory': 6,
};

/**
 * The cost of a field is the number of objects it may return: 1 for an object (0 for a scalar) plus what
 * is selected in it, multiplied by the page size (`first`, or its default) for a paged list, or by the
 * size of a short list of bounded length.
 */
export const objectCountEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const own = isLeafType(getNamedType(field.type)) ? 0 : 1;
  const firstArgument = field.args.find((a) => a.name === 'first');
  if (firstArgument) {
    const first = typeof args.first === 'number' ? args.first : typeof firstArgument.defaultValue === 'number' ? firstArgument.defaultValue : 20;
    return Math.max(1, first) * (own + childComplexity);
  }
  return (LIST_SIZES[`${type.name}.${field.name}`] ?? 1) * (own + childComplexity);
};

/** Refuses, at validation (HTTP 400), an operation nested deeper than `maxDepth` fields (introspection aside). */
export function queryDepthRule(maxDepth: number): ValidationRule {
  return maxDepthRule({
    n: maxDepth,
    flattenFragments: true,
    propagateOnRejection: false,
    onReject: [
      (context, error) => {
        if (!context) return;
        const found = /found (\d+)/.exec(error.message)?.[1] ?? '?';
        context.reportError(new GraphQLError(`query depth ${found} is over the limit of ${maxDepth} (MAX_QUERY_DEPTH): select fewer nested fields`));
      },
    ],
  }) as unknown as ValidationRule;
}

/**
 * Refuses, before any fetch, an operation whose cost (objectCountEstimator, with the request's variables)
 * is over `maxCost`: HTTP 400, code QUERY_TOO_COSTLY, with the cost and the limit in the message.
 */
/**
 * The variables a document's cost can depend on: those in a `first` argument or in a directive (@skip,
 * @include). Others (a filter's value, a cursor) never change the cost, so requests that differ only in
 * them share one computed cost.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  let depth = 0;
  const counting = { enter: () => void depth++, leave: () => void depth-- };
  visit(document, {
    Argument: {
      enter: (node) => void (node.name.value === 'first' && depth++),
      leave: (node) => void (node.name.value === 'first' && depth--),
    },
    Directive: counting,
    Variable: (node) => void (depth > 0 && names.add(node.name.value)),
    // A variable's definition (and its default value) is not a use.
    VariableDefinition: () => false,
  });
  return [...names].sort();
}

export function queryCostPlugin<TContext extends BaseContext>(maxCost: number): ApolloServerPlugin<TContext> {
  // The cost of a document with given variables never changes: remembered per parsed document (Apollo keeps
  // one object per query text), for a bounded number of variable sets each, so a repeated query (a
  // dashboard, a response-cache hit) is not walked again.
  const costs = new WeakMap<DocumentNode, Map<string, number | null>>();
  const relevant = new WeakMap<DocumentNode, string[]>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName, contextValue }) {
          let byVariables = costs.get(document);
          if (!byVariables) costs.set(document, (byVariables = new Map()));
          let names = relevant.get(document);
          if (!names) relevant.set(document, (names = costVariables(document)));
          const variables = request.variables ?? {};
          const key = `${operationName ?? ''}\n${names.length === 0 ? '' : JSON.stringify(names.map((name) => variables[name] ?? null))}`;
          let cost = byVariables.get(key);
          if (cost === undefined) {
            try {
              cost = getComplexity({
                schema,
                query: document,
                variables: request.variables ?? {},
                operationName: operationName ?? undefined,
                estimators: [objectCountEstimator],
              });
            } catch {
              cost = null; // bad variables: execution reports them, naming the variable
            }
            if (byVariables.size >= MEMO_VARIABLE_SETS) byVariables.clear();
            // Not a failed computation: the key leaves out variables, and a bad one must not spare the next request its check.
            if (cost !== null) byVariables.set(key, cost);
          }
          if (cost === null) return;
          if (cost > maxCost) {
            throw new GraphQLError(
              `query cost ${cost} is over the limit of ${maxCost} (MAX_QUERY_COST): the cost counts the objects a query may return, each list multiplied by its page size (first); ask for smaller pages or fewer nested lists`,
              { extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost, http: { status: 400 } } },
            );
          }
          // What the rate limit spends (server/rateLimitPlugin.ts); a refused query is not charged its cost.
          (contextValue as { queryCost?: number }).queryCost = cost;
        },
      };
    },
  };
}
