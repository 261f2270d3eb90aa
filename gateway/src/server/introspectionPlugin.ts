import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { Kind, execute, type DocumentNode, type FieldNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from './GatewayContext.ts';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);
/** The introspection fields whose answer differs between Apollo Gateway's schema and the public one. */
const SCHEMA_FIELDS = new Set(['__schema', '__type']);

/**
 * Introspection through POST /graphql answered from the public schema the gateway serves
 * (server/PublicSchema.ts), not from Apollo Gateway's: Apollo's knows queries only, while the gateway
 * also serves `Subscription.priceChanged` (gateway/src/live/), which codegen and GraphiQL must see.
 *
 * - An operation whose root fields are all introspection is answered here, whole.
 * - One that mixes `__schema` or `__type` with data fields goes through Apollo Gateway as usual, and its
 *   introspection fields are then answered again from the public schema and put in place of Apollo's,
 *   before any later plugin sees the response (this `willSendResponse` sets them without awaiting, and
 *   Apollo Server starts the plugins' hooks in order), so the response cache stores the public answer.
 *
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
        willSendResponse({ document, operation, request, response }) {
          if (!document || !operation || response.body.kind !== 'single' || isIntrospectionOnly(operation)) return Promise.resolve();
          const fields = schemaFields(operation);
          const data = response.body.singleResult.data;
          const publicSchema = fields.length > 0 && data ? schema() : null;
          if (!publicSchema || !data) return Promise.resolve();
          const answer = execute({ schema: publicSchema, document: onlyFields(document, operation, fields), variableValues: request.variables });
          // Introspection resolves synchronously; a promise would mean something else was asked: leave Apollo's answer.
          if (answer instanceof Promise || answer.errors?.length || !answer.data) return Promise.resolve();
          for (const [key, value] of Object.entries(answer.data)) if (key in data) data[key] = value;
          return Promise.resolve();
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

/** The `__schema` and `__type` fields at the root of a query. */
function schemaFields(operation: OperationDefinitionNode): FieldNode[] {
  if (operation.operation !== 'query') return [];
  return operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD && SCHEMA_FIELDS.has(s.name.value));
}

/** The document with the operation reduced to these root fields (its fragments kept for their selections). */
function onlyFields(document: DocumentNode, operation: OperationDefinitionNode, fields: FieldNode[]): DocumentNode {
  const reduced: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections: fields } };
  return { ...document, definitions: [reduced, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] };
}
