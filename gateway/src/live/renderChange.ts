import {
  Kind,
  type GraphQLError,
  execute,
  parse,
  print,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { collectFields } from 'graphql/execution/collectFields.js';
import { LRUCache } from 'lru-cache';
import type { ChangeEvent } from './changeEvent.ts';
import { SUBSCRIPTION_FIELD } from './liveSchema.ts';

/** Runs a query through the gateway's normal execution (Apollo Gateway: plans, entities, caches). */
export type RunQuery = (query: string, variables: Record<string, unknown>) => Promise<ExecutionResult>;

/** PriceChange fields that are entities, resolved by the gateway: dataset itself, and its exchange and provider. */
const ENTITY_FIELDS = new Set(['dataset', 'exchange', 'provider']);
const ID_VARIABLE = 'liveChangeDatasetId';
/** Changes whose entities one gateway query fetches at most (aliased roots per change). */
const MAX_BATCH = 50;

interface Prepared {
  /** The root fields of the entities query for one change: its aliases' prefix and its id variable (null: no entities). */
  roots: ((prefix: string, idVariable: string) => string) | null;
  /** The aliases one change adds to the batch's query (an upper bound: fragments counted once per spread anywhere). */
  aliasesPerChange: number;
  /** `, $var: Type` for the client's variables the roots use, and the fragments they spread. */
  definitions: string;
  fragments: string;
  /** The values of the client's variables the query uses. */
  variables: Record<string, unknown>;
  /** Same text, same variables: same payload for every subscriber (the memo key). */
  key: string;
  datasetKeys: string[];
  relatedKeys: string[];
}

/**
 * A change's payload for a subscription's selection (docs/live-prices.md#one-render-per-change). The
 * selection under priceChanged is cut in two: the change's own fields (prices, changedAt) come from the
 * event, its entities (dataset, exchange, provider) from one gateway query `dataset(id:)` carrying the
 * client's own sub-selections, so they resolve as any query would. Payloads are memoised by selection
 * and change: a thousand subscribers of one query cost one gateway query per change, not a thousand.
 */
export class ChangeRenderer {
  /** A short id per distinct selection key, so the per-subscriber memo key stays short (cheap to hash). */
  private readonly keyIds = new LRUCache<string, number>({ max: 1000 });
  private nextKeyId = 0;
  private readonly payloads = new LRUCache<string, Promise<ExecutionResult>>({ max: 5000 });
  /** Changes waiting for their entities, per selection key: one gateway query for a batch of them. */
  private readonly batches = new Map<string, { prepared: Prepared; waiting: Waiting[] }>();

  /** `maxAliases`: MAX_QUERY_ALIASES, which the gateway query of a batch is held to like any query. */
  constructor(
    private readonly runQuery: RunQuery,
    private readonly maxAliases = Infinity,
  ) {}

  /** The render function of one subscription (its schema, document, operation and variables are checked). */
  forOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) {
    const prepared = this.prepare(schema, document, operation, variables);
    let id = this.keyIds.get(prepared.key);
    if (id === undefined) this.keyIds.set(prepared.key, (id = this.nextKeyId++));
    return (event: ChangeEvent): Promise<ExecutionResult> => {
      const key = `${id}\n${event.exchange}\n${event.position.epoch}\n${event.position.sequence}`;
      let payload = this.payloads.get(key);
      if (!payload) {
        payload = this.render(schema, document, operation, variables, prepared, event);
        this.payloads.set(key, payload);
      }
      return payload;
    };
  }

  private prepare(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): Prepared {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const root = collectFields(schema, fragments, variables, schema.getSubscriptionType()!, operation.selectionSet);
    const fieldNodes = [...root.values()].flat().filter((f) => f.name.value === SUBSCRIPTION_FIELD);
    const changeType = schema.getType('PriceChange') as GraphQLObjectType;
    const byKey = new Map<string, FieldNode[]>();
    for (const node of fieldNodes) {
      if (!node.selectionSet) continue;
      for (const [key, nodes] of collectFields(schema, fragments, variables, changeType, node.selectionSet))
        byKey.set(key, [...(byKey.get(key) ?? []), ...nodes]);
    }
    const datasetParts: Array<{ key: string; body: string }> = [];
    const relatedParts: string[] = [];
    const datasetKeys: string[] = [];
    const relatedKeys: string[] = [];
    const usedSets: SelectionSetNode[] = [];
    for (const [key, nodes] of byKey) {
      const name = nodes[0]!.name.value;
      if (!ENTITY_FIELDS.has(name)) continue;
      const selections = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      usedSets.push(...selections);
      const body = `{ ${selections.map((s) => s.selections.map((x) => print(x)).join(' ')).join(' ')} }`;
      if (name === 'dataset') {
        datasetParts.push({ key, body });
        datasetKeys.push(key);
      } else {
        relatedParts.push(`${key}: ${name} ${body}`);
        relatedKeys.push(key);
      }
    }
    // The payload depends on the document and the variables its priceChanged selection reads (not on the
    // field's filter or after): that is what subscribers must share to share a payload.
    const selections = fieldNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
    const selectionVariables = new Set<string>();
    for (const node of [...selections, ...fragmentsUsed(selections, fragments)]) visit(node, { Variable: (v) => void selectionVariables.add(v.name.value) });
    const keyVariables = Object.fromEntries([...selectionVariables].sort().map((v) => [v, variables[v]]));
    const key = `${operation.name?.value ?? ''}\n${print(document)}\n${JSON.stringify(keyVariables)}`;
    if (datasetParts.length === 0 && relatedParts.length === 0)
      return { roots: null, aliasesPerChange: 1, definitions: '', fragments: '', variables: {}, key, datasetKeys, relatedKeys };
    const usedFragments = fragmentsUsed(usedSets, fragments);
    const usedVariables = new Set<string>();
    for (const node of [...usedSets, ...usedFragments]) visit(node, { Variable: (v) => void usedVariables.add(v.name.value) });
    const definitions = (operation.variableDefinitions ?? []).filter((d) => usedVariables.has(d.variable.name.value)).map((d) => print(d));
    const related = relatedParts.join(' ');
    const roots = (prefix: string, idVariable: string) =>
      [
        ...datasetParts.map((p) => `${prefix}${p.key}: dataset(id: $${idVariable}) ${p.body}`),
        ...(related ? [`${prefix}liveChangeRelated: dataset(id: $${idVariable}) { ${related} }`] : []),
      ].join(' ');
    const used = Object.fromEntries([...usedVariables].filter((v) => v in variables).map((v) => [v, variables[v]]));
    const fragmentText = usedFragments.map((f) => print(f)).join(' ');
    return {
      roots,
      aliasesPerChange: aliasesPerChange(roots('a', 'x'), fragmentText),
      definitions: definitions.map((d) => `, ${d}`).join(''),
      fragments: fragmentText,
      variables: used,
      key,
      datasetKeys,
      relatedKeys,
    };
  }

  /**
   * A change's entities, fetched with the other changes asked in the same turn of the event loop (a
   * pull's page reaches every subscription at once): one gateway query for up to MAX_BATCH changes,
   * each under its own aliases, instead of one query per change.
   */
  private entitiesOf(prepared: Prepared, event: ChangeEvent): Promise<ExecutionResult> {
    return new Promise((resolve, reject) => {
      let batch = this.batches.get(prepared.key);
      if (!batch) {
        batch = { prepared, waiting: [] };
        this.batches.set(prepared.key, batch);
        const taken = batch;
        setImmediate(() => {
          this.batches.delete(prepared.key);
          // Each change brings its own copy of the aliases: a batch stays within MAX_QUERY_ALIASES.
          const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(this.maxAliases / taken.prepared.aliasesPerChange)));
          for (let i = 0; i < taken.waiting.length; i += size) void this.fetchBatch(taken.prepared, taken.waiting.slice(i, i + size));
        });
      }
      batch.waiting.push({ datasetId: event.datasetId, resolve, reject });
    });
  }

  private async fetchBatch(prepared: Prepared, waiting: Waiting[]): Promise<void> {
    const ids = waiting.map((_, i) => `${ID_VARIABLE}${i}`);
    const query = `query LiveChange(${ids.map((v) => `$${v}: ID!`).join(', ')}${prepared.definitions}) { ${ids.map((v, i) => prepared.roots!(`e${i}_`, v)).join(' ')} } ${prepared.fragments}`;
    const variables: Record<string, unknown> = { ...prepared.variables };
    waiting.forEach((w, i) => (variables[ids[i]!] = w.datasetId));
    let result: ExecutionResult;
    try {
      result = await this.runQuery(query, variables);
    } catch (err) {
      for (const w of waiting) w.reject(err);
      return;
    }
    const data = (result.data ?? {}) as Record<string, unknown>;
    waiting.forEach((w, i) => {
      const prefix = `e${i}_`;
      const own: Record<string, unknown> = {};
      for (const key of [...prepared.datasetKeys, 'liveChangeRelated']) if (`${prefix}${key}` in data) own[key] = data[`${prefix}${key}`];
      // An error belongs to the change its path starts in (its aliases' prefix), shown under the client's key; one without a path to every change.
      const errors = (result.errors ?? []).flatMap((e) => {
        const head = e.path?.[0];
        if (typeof head !== 'string') return [e];
        if (!head.startsWith(prefix)) return [];
        return [{ ...e, message: e.message, path: [head.slice(prefix.length), ...e.path!.slice(1)] } as unknown as GraphQLError];
      });
      w.resolve(errors.length ? { data: own, errors } : { data: own });
    });
  }

  private async render(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    prepared: Prepared,
    event: ChangeEvent,
  ): Promise<ExecutionResult> {
    let entities: ExecutionResult = { data: {} };
    if (prepared.roots) entities = await this.entitiesOf(prepared, event);
    const data = (entities.data ?? {}) as Record<string, unknown>;
    const fromGateway = new WeakSet<object>();
    mark(data, fromGateway);
    const related = (data.liveChangeRelated ?? {}) as Record<string, unknown>;
    const change = {
      previous: event.previous,
      current: event.current,
      changedAt: event.changedAt,
      dataset: (key: string) => data[key] ?? null,
      exchange: (key: string) => related[key] ?? null,
      provider: (key: string) => related[key] ?? null,
    };
    const fieldResolver: GraphQLFieldResolver<Record<string, unknown>, unknown> = (source, _args, _context, info) => {
      if (fromGateway.has(source)) return source[String(info.path.key)];
      const value = source[info.fieldName];
      return source === change && typeof value === 'function' ? (value as (key: string) => unknown)(String(info.path.key)) : value;
    };
    const result = (await execute({
      schema,
      document,
      operationName: operation.name?.value,
      variableValues: variables,
      rootValue: { [SUBSCRIPTION_FIELD]: change },
      fieldResolver,
    })) as ExecutionResult;
    // The gateway's own errors (a provider subgraph down, say) go with the payload, as a query's would.
    const errors = [...(entities.errors ?? []), ...(result.errors ?? [])];
    return errors.length ? { data: result.data, errors } : { data: result.data };
  }
}

type Waiting = { datasetId: string; resolve: (result: ExecutionResult) => void; reject: (err: unknown) => void };

function mark(value: unknown, seen: WeakSet<object>): void {
  if (value === null || typeof value !== 'object') return;
  seen.add(value);
  for (const child of Array.isArray(value) ? value : Object.values(value)) mark(child, seen);
}

/** The fragment definitions spread (transitively) in the selection sets. */
function fragmentsUsed(sets: SelectionSetNode[], fragments: Record<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread: (spread) => {
        const definition = fragments[spread.name.value];
        if (definition && !used.has(spread.name.value)) {
          used.set(spread.name.value, definition);
          walk(definition);
        }
      },
    });
  for (const set of sets) walk(set);
  return [...used.values()];
}

/** Aliased fields of one change's roots, each fragment's counted once per spread (as MAX_QUERY_ALIASES counts them, or more). */
function aliasesPerChange(roots: string, fragments: string): number {
  let rootAliases = 0;
  let spreads = 0;
  let fragmentAliases = 0;
  visit(parse(`query { ${roots} }`), { Field: (f) => void (f.alias && rootAliases++), FragmentSpread: () => void spreads++ });
  if (fragments) visit(parse(fragments), { Field: (f) => void (f.alias && fragmentAliases++) });
  return Math.max(1, rootAliases + fragmentAliases * Math.max(1, spreads));
}
