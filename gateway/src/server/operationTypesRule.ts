import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Refuses, at validation (HTTP 400), an operation of a type the schema has no root for: the catalog is
 * read-only, so `mutation { __typename }` or a subscription is the client's mistake. Without this rule
 * graphql-js 16 lets it through validation and the query planner fails on it, which Apollo answered as
 * HTTP 500.
 */
export const operationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(
      new GraphQLError(`this API has no ${node.operation} operations: the catalog is read-only, send a query`, {
        nodes: [node],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', operation: node.operation },
      }),
    );
  },
});
