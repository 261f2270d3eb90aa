import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { Kind, execute, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from './GatewayContext.ts';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/**
 * Introspection through POST /graphql answered from the public schema the gateway serves
 * (server/PublicSchema.ts), not from Apollo Gateway's: Apollo's knows queries only, while the gateway
 * also serves `Subscription.priceChanged` (gateway/src/live/), which codegen and GraphiQL must see. Only
 * an operation whose root fields are all introspection is answered here; anything else goes on as usual.
 * Listed before the response cache, so a cached answer of Apollo's schema cannot shadow it.
 */
export function introspectionPlugin(schema: () => GraphQLSchema | null): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, request }) {
          if (!isIntrospectionOnly(operation)) return null;
          const publicSchema = schema();
          if (!publicSchema) return null;
          const result = await execute({ schema: publicSchema, document, operationName: request.operationName, variableValues: request.variables });
          const errors = result.errors?.map((e) => e.toJSON());
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: errors?.length ? { data: result.data, errors } : { data: result.data } },
          };
        },
      };
    },
  };
}

/** A query whose root selections are all introspection fields, with `__schema` or `__type` among them. */
function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  const selections = operation.selectionSet.selections;
  const fields = selections.filter((s) => s.kind === Kind.FIELD);
  if (fields.length !== selections.length) return false;
  return fields.every((f) => INTROSPECTION_FIELDS.has(f.name.value)) && fields.some((f) => f.name.value !== '__typename');
}
