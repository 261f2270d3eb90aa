import {
  Kind,
  parse,
  print,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { RemoteGraphQLDataSource, type GraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { providersTypeDefs } from '../../../schema/typeDefs.ts';
import type { GraphQLErrorJson } from '../shards/ShardRouter.ts';
import { ShardPlanError } from '../shards/shardPlan.ts';
import { withTraceHeaders } from '../../../shared/tracing/tracing.ts';
import type { ProviderListings } from './ProviderListings.ts';

/** The root field, its filter argument and the fields of it that only the gateway can answer. */
const PROVIDERS = {
  field: 'providers',
  filter: 'filter',
  exchanges: 'exchanges',
  hasListings: 'hasListings',
  usccIn: 'usccIn',
  usccNotIn: 'usccNotIn',
  missing: 'missingExchanges',
} as const;
/** The variables the rewritten fetch passes its filters in; a client cannot name a variable like it in this fetch. */
const FILTER_VARIABLE = '__gatewayProviderFilter';

interface Rewrite {
  responseKey: string;
  missingKey: string | null;
  missing: string[];
  errors: GraphQLErrorJson[];
}

/**
 * The data source of the providers subgraph. That subgraph knows providers, not listings, so a
 * `providers` fetch whose filter names `exchanges` or `hasListings` is rewritten here: the gateway asks
 * the exchanges which providers list (ProviderListings, cached per catalog version), and passes the
 * answer as the @inaccessible usccIn / usccNotIn; the subgraph then filters, counts and pages exactly as
 * it does by kind or province. Exchanges that did not answer are named in missingExchanges and in one
 * error with the field's path. Every other fetch goes to the subgraph unchanged.
 */
export class ProvidersDataSource implements GraphQLDataSource {
  private readonly remote: RemoteGraphQLDataSource;
  private readonly providersField: GraphQLField<unknown, unknown>;

  private readonly listings: ProviderListings;

  constructor(options: { url: string; listings: ProviderListings }) {
    this.listings = options.listings;
    this.remote = new RemoteGraphQLDataSource({
      url: options.url,
      // The providers subgraph continues the request's trace (a traceparent only while tracing is on).
      willSendRequest: ({ request }) => {
        for (const [name, value] of Object.entries(withTraceHeaders({}))) request.http?.headers.set(name, value);
      },
    });
    const schema = buildSubgraphSchema([{ typeDefs: providersTypeDefs }]);
    this.providersField = schema.getQueryType()!.getFields()[PROVIDERS.field];
  }

  async process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const query = options.request.query ?? '';
    if (!query.includes(PROVIDERS.field)) return this.remote.process(options);
    const document = 'document' in options && options.document ? options.document : parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation || operation.operation !== 'query') return this.remote.process(options);
    const variables = { ...(options.request.variables ?? {}) };
    const rewrites: Rewrite[] = [];
    const newDefinitions: VariableDefinitionNode[] = [];
    const selections = [];
    for (const selection of operation.selectionSet.selections) {
      const filter = selection.kind === Kind.FIELD && selection.name.value === PROVIDERS.field ? this.listingFilter(selection, variables) : null;
      if (!filter || selection.kind !== Kind.FIELD) {
        selections.push(selection);
        continue;
      }
      const responseKey = selection.alias?.value ?? selection.name.value;
      let rewritten: { filter: Record<string, unknown>; missing: string[]; errors: GraphQLErrorJson[] };
      try {
        rewritten = await this.rewriteFilter(filter, options.context);
      } catch (err) {
        if (!(err instanceof ShardPlanError)) throw err;
        return {
          errors: [
            {
              message: (err as Error).message,
              path: [responseKey],
              extensions: { code: 'BAD_USER_INPUT', argument: `${PROVIDERS.filter}.${PROVIDERS.exchanges}` },
            },
          ],
        } as GatewayGraphQLResponse;
      }
      const name = `${FILTER_VARIABLE}${rewrites.length}`;
      variables[name] = rewritten.filter;
      newDefinitions.push(variableDefinition(name));
      const args: ArgumentNode[] = [
        ...(selection.arguments ?? []).filter((a) => a.name.value !== PROVIDERS.filter),
        { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: PROVIDERS.filter }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } } },
      ];
      selections.push({ ...selection, arguments: args });
      const missingNode = selection.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === PROVIDERS.missing);
      rewrites.push({
        responseKey,
        missingKey: missingNode ? (missingNode.alias?.value ?? missingNode.name.value) : null,
        missing: rewritten.missing,
        errors: rewritten.errors,
      });
    }
    if (rewrites.length === 0) return this.remote.process(options);

    const rewrittenOperation: OperationDefinitionNode = {
      ...operation,
      selectionSet: { ...operation.selectionSet, selections },
      variableDefinitions: [...(operation.variableDefinitions ?? []), ...newDefinitions],
    };
    // Variables that only the replaced filters used would now be unused, which GraphQL refuses.
    const used = usedVariables(rewrittenOperation);
    const newDocument: DocumentNode = {
      ...document,
      definitions: document.definitions.map((d) =>
        d === operation
          ? { ...rewrittenOperation, variableDefinitions: rewrittenOperation.variableDefinitions!.filter((v) => used.has(v.variable.name.value)) }
          : d,
      ),
    };
    const sentVariables = Object.fromEntries(Object.entries(variables).filter(([name]) => used.has(name)));
    const response = await this.remote.process({
      ...options,
      ...('document' in options ? { document: newDocument } : {}),
      request: { ...options.request, query: print(newDocument), variables: sentVariables },
    } as GraphQLDataSourceProcessOptions);
    const errors = [...(response.errors ?? [])] as GraphQLErrorJson[];
    for (const rewrite of rewrites) {
      const connection = response.data?.[rewrite.responseKey] as Record<string, unknown> | null | undefined;
      if (connection && rewrite.missingKey) connection[rewrite.missingKey] = rewrite.missing;
      for (const error of rewrite.errors) errors.push({ ...error, path: [rewrite.responseKey] });
    }
    return { ...response, ...(errors.length ? { errors } : {}) } as GatewayGraphQLResponse;
  }

  /** The field's filter when it names exchanges or hasListings (which this data source answers), else null. */
  private listingFilter(field: FieldNode, variables: Record<string, unknown>): Record<string, unknown> | null {
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(this.providersField as never, field, variables);
    } catch {
      return null; // the subgraph will refuse it, naming the argument
    }
    const filter = args[PROVIDERS.filter] as Record<string, unknown> | null | undefined;
    if (!filter) return null;
    const exchanges = filter[PROVIDERS.exchanges] as string[] | null | undefined;
    const hasListings = filter[PROVIDERS.hasListings];
    return (exchanges && exchanges.length > 0) || (hasListings !== null && hasListings !== undefined) ? filter : null;
  }

  /**
   * The filter with exchanges and hasListings replaced by the USCCs that list on the exchanges considered
   * (those named, else every registered one): usccIn for hasListings true (the default with exchanges),
   * usccNotIn for false.
   */
  private async rewriteFilter(
    filter: Record<string, unknown>,
    context: unknown,
  ): Promise<{ filter: Record<string, unknown>; missing: string[]; errors: GraphQLErrorJson[] }> {
    const named = filter[PROVIDERS.exchanges] as string[] | null | undefined;
    const considered = named && named.length > 0 ? [...new Set(named)] : this.listings.exchangeIds();
    const wantListings = (filter[PROVIDERS.hasListings] as boolean | null | undefined) ?? true;
    const answer = await this.listings.counts(context, considered);
    const listed = new Set<string>();
    for (const exchange of considered) for (const uscc of answer.byExchange.get(exchange)?.keys() ?? []) listed.add(uscc);
    const { [PROVIDERS.exchanges]: _exchanges, [PROVIDERS.hasListings]: _hasListings, ...rest } = filter;
    const usccs = [...listed].sort();
    return {
      filter: { ...rest, ...(wantListings ? { [PROVIDERS.usccIn]: usccs } : { [PROVIDERS.usccNotIn]: usccs }) },
      missing: considered.filter((e) => answer.missing.includes(e)).sort(),
      errors: answer.unreportedErrors.splice(0),
    };
  }
}

function variableDefinition(name: string): VariableDefinitionNode {
  return {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } },
    type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ProviderFilter' } },
  };
}

/** The names of the variables an operation's selections use. */
function usedVariables(operation: OperationDefinitionNode): Set<string> {
  const used = new Set<string>();
  visit(operation.selectionSet, {
    Variable: (node) => {
      used.add(node.name.value);
    },
  });
  return used;
}
