import {
  Kind,
  parse,
  print,
  getNamedType,
  isObjectType,
  isInterfaceType,
  visit,
  type DocumentNode,
  type FieldNode,
  type SelectionSetNode,
  type SelectionNode,
  type GraphQLSchema,
  type GraphQLNamedType,
  type GraphQLField,
  type OperationDefinitionNode,
  type FragmentDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import {
  ROOT_FIELDS,
  ENTITIES,
  FAN_OUT_ENTITY_FIELDS,
  PREFIXED_ID_TYPES,
  CONNECTION,
  CHANGE_LOG,
  PAGE_INFO,
  STATS_BUCKET,
  STATISTICS,
  type FieldMerge,
} from '../../../schema/mergeRules.ts';
import { HIDDEN_PREFIX } from './hiddenPrefix.ts';
import { withCrossListedArgument, separateRootFields, crossListedVariableDefinition } from './productsPlan.ts';
import { withPageVariables, pageVariableDefinitions, pagedField, type PagedField } from './pagedPlan.ts';

/**
 * A shard plan is what the router learns once per fetch operation (cached by document): the query to
 * send to every exchange, with the fields the merge needs added under hidden aliases, and how each
 * part of the answer merges.
 *
 * Hidden fields: the router asks for cursors and page info of every connection, the id of every
 * Dataset (to check its prefix) and the sketch of every statistics bucket, whether or not the client
 * did, under aliases starting with HIDDEN_PREFIX, and strips them from the answer.
 *
 * Lifting: Apollo's planner may put `provider { datasets }` inside the same fetch as the datasets
 * around it, since one subgraph (`exchanges`) serves both. Sent as is, each exchange would answer with
 * its own listings only. So nested fan-out fields are cut out of the fetch and run afterwards as an
 * `_entities` fetch over the providers found, which fans out and merges like any other.
 */
export { HIDDEN_PREFIX };
export const HIDDEN = {
  id: `${HIDDEN_PREFIX}id`,
  edges: `${HIDDEN_PREFIX}edges`,
  info: `${HIDDEN_PREFIX}info`,
  entityKey: `${HIDDEN_PREFIX}key`,
  /** A price change connection's edges (cursor, node.changedAt) and page info: its cursors are not dataset cursors. */
  changes: `${HIDDEN_PREFIX}changes`,
  changesInfo: `${HIDDEN_PREFIX}changesInfo`,
  stats: Object.fromEntries(STATS_BUCKET.fields.map((f) => [f, `${HIDDEN_PREFIX}${f}`])) as Record<(typeof STATS_BUCKET.fields)[number], string>,
  statistics: Object.fromEntries(STATISTICS.fields.map((f) => [f, `${HIDDEN_PREFIX}st_${f}`])) as Record<(typeof STATISTICS.fields)[number], string>,
};

/** Response key → field name (and the shape below it) of a selection, as the client asked for it. */
export type Shape = Map<string, { field: string; shape?: Shape }>;

export interface FieldPlan {
  responseKey: string;
  fieldName: string;
  node: FieldNode;
  definition: GraphQLField<unknown, unknown>;
  /** Undefined for `__typename` (answered by the router). */
  rule?: FieldMerge;
  shape?: Shape;
  /** A field the router answers with calls of its own (products): its rewritten node, left out of `query`. */
  separateNode?: FieldNode;
  /** A root connection sent with hidden page variables, so each exchange may be asked for a smaller page (pagedPlan.ts). */
  paged?: PagedField;
}

export interface LiftSite {
  /** Response keys from the fetch's data down to the objects whose fields were cut out (lists are walked). */
  path: string[];
  typeName: string;
  keyField: string;
  /** The `_entities` operation that fetches the cut-out fields, and its plan. */
  operation: string;
  document: DocumentNode;
}

export interface ShardPlan {
  kind: 'root' | 'entities';
  /** The variable that carries the representations of an `_entities` fetch. */
  representationsVariable: string;
  query: string;
  operationName?: string;
  /** Root fields (kind root), or fan-out fields of fan-out entities by type (kind entities). */
  rootFields: FieldPlan[];
  entityFields: Map<string, FieldPlan[]>;
  lifts: LiftSite[];
  /** Response keys of connection lists (edges, nodes) that must line up with the hidden cursors. */
  alignedListKeys: Set<string>;
  /** True when a field could take the router's cross-listed codes (crossListedVariable). */
  usesCrossListed: boolean;
  /** The same fetch with those fields given the codes: used only when a filter sets crossListed. */
  withCrossListedCodes?: () => ShardPlan;
  /** The variable definitions of the rewritten operation (for the router's own calls). */
  variableDefinitions: readonly VariableDefinitionNode[];
}

/** Something the client asked that the router cannot serve: reported to the client as BAD_USER_INPUT. */
export class ShardPlanError extends Error {}

/** The lift operations' representations variable: a name of the router's, so no client variable collides. */
export const LIFT_REPRESENTATIONS = `${HIDDEN_PREFIX}representations`;

/** Client names must not take the router's hidden prefix. */
function refuseReservedNames(document: DocumentNode): void {
  visit(document, {
    Field(node) {
      if (node.alias?.value.startsWith(HIDDEN_PREFIX))
        throw new ShardPlanError(`alias ${node.alias.value}: names starting with ${HIDDEN_PREFIX} are reserved by the gateway`);
    },
    Variable(node) {
      if (node.name.value.startsWith(HIDDEN_PREFIX))
        throw new ShardPlanError(`variable $${node.name.value}: names starting with ${HIDDEN_PREFIX} are reserved by the gateway`);
    },
  });
}

/** Replaces every fragment spread with an inline fragment, so one walk sees the whole selection. */
export function inlineFragments(document: DocumentNode): OperationDefinitionNode {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) {
      if (operation) throw new ShardPlanError('a fetch must hold exactly one operation');
      operation = definition;
    }
  }
  if (!operation) throw new ShardPlanError('a fetch must hold exactly one operation');
  const inlineSet = (set: SelectionSetNode, seen: Set<string>): SelectionSetNode => ({
    ...set,
    selections: set.selections.map((selection): SelectionNode => {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) throw new ShardPlanError(`fragment ${name} is missing or cyclic`);
        return {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          directives: selection.directives,
          selectionSet: inlineSet(fragment.selectionSet, new Set([...seen, name])),
        };
      }
      if (selection.selectionSet) return { ...selection, selectionSet: inlineSet(selection.selectionSet, seen) } as SelectionNode;
      return selection;
    }),
  });
  return { ...operation, selectionSet: inlineSet(operation.selectionSet, new Set()) };
}

function field(name: string, alias?: string, selectionSet?: SelectionSetNode): FieldNode {
  return {
    kind: Kind.FIELD,
    name: { kind: Kind.NAME, value: name },
    ...(alias ? { alias: { kind: Kind.NAME, value: alias } } : {}),
    ...(selectionSet ? { selectionSet } : {}),
  };
}

function selectionSet(selections: SelectionNode[]): SelectionSetNode {
  return { kind: Kind.SELECTION_SET, selections };
}

/** The hidden fields each type needs for merging and checking (`set`: the client's selection of it). */
function hiddenFieldsFor(typeName: string, set: SelectionSetNode): FieldNode[] {
  const hidden: FieldNode[] = [];
  const idField = PREFIXED_ID_TYPES[typeName];
  if (idField) hidden.push(field(idField, HIDDEN.id));
  if (typeName === CONNECTION.type) {
    hidden.push(field(CONNECTION.edges, HIDDEN.edges, selectionSet([field(CONNECTION.cursor)])));
    hidden.push(field(CONNECTION.pageInfo, HIDDEN.info, selectionSet([field(PAGE_INFO.hasNextPage)])));
  }
  if (typeName === CHANGE_LOG.type) {
    const node = selectionSet([field(CHANGE_LOG.changedAt)]);
    hidden.push(field(CHANGE_LOG.edges, HIDDEN.changes, selectionSet([field(CHANGE_LOG.cursor), field(CHANGE_LOG.node, undefined, node)])));
    hidden.push(field(CHANGE_LOG.pageInfo, HIDDEN.changesInfo, selectionSet([field(PAGE_INFO.hasNextPage)])));
  }
  if (typeName === STATS_BUCKET.type) {
    for (const name of STATS_BUCKET.fields) hidden.push(field(name, HIDDEN.stats[name]));
  }
  if (typeName === STATISTICS.bucketType) {
    // Provider sets are the largest part of an answer: asked for only when the client counts providers.
    const countsProviders = [...shapeOf(set)!.values()].some((s) => s.field === STATISTICS.distinctProviders);
    for (const name of STATISTICS.fields) if (name !== STATISTICS.providers || countsProviders) hidden.push(field(name, HIDDEN.statistics[name]));
  }
  return hidden;
}

function fieldsOf(type: GraphQLNamedType): Record<string, GraphQLField<unknown, unknown>> {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
}

/** The client's view of a selection: response keys and field names, fragments flattened. */
export function shapeOf(set: SelectionSetNode | undefined): Shape | undefined {
  if (!set) return undefined;
  const shape: Shape = new Map();
  const add = (s: SelectionSetNode) => {
    for (const selection of s.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const existing = shape.get(key);
        const sub = shapeOf(selection.selectionSet);
        if (existing?.shape && sub) for (const [k, v] of sub) existing.shape.set(k, v);
        else shape.set(key, { field: selection.name.value, shape: sub ?? existing?.shape });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(selection.selectionSet);
      }
    }
  };
  add(set);
  return shape;
}

interface RewriteContext {
  schema: GraphQLSchema;
  alignedListKeys: Set<string>;
  lifted: Array<{ path: string[]; typeName: string; fields: FieldNode[] }>;
  usesCrossListed: boolean;
  /** Add the crossListedCodes argument (else only note that a field takes it). */
  addCrossListed: boolean;
  /** Root connection fields sent with hidden page variables: response key → the rewritten field. */
  paged: Map<string, FieldNode>;
}

function rewrite(set: SelectionSetNode, parentType: GraphQLNamedType, path: string[], context: RewriteContext, entityRoot: boolean): SelectionSetNode {
  const selections: SelectionNode[] = [];
  const liftedHere: FieldNode[] = [];
  const fields = fieldsOf(parentType);
  const fanOutFields = FAN_OUT_ENTITY_FIELDS[parentType.name] ?? {};
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) {
        selections.push(selection);
        continue;
      }
      if (!entityRoot && fanOutFields[name]) {
        liftedHere.push(selection);
        continue;
      }
      const definition = fields[name];
      if (!definition) throw new ShardPlanError(`${parentType.name}.${name} is not in the exchange contract`);
      const key = selection.alias?.value ?? name;
      if (parentType.name === CONNECTION.type && (name === CONNECTION.edges || name === CONNECTION.nodes)) context.alignedListKeys.add(key);
      let withCodes = withCrossListedArgument(selection, definition);
      if (withCodes !== selection) context.usesCrossListed = true;
      if (!context.addCrossListed) withCodes = selection;
      let rewritten: FieldNode = withCodes.selectionSet
        ? { ...withCodes, selectionSet: rewrite(withCodes.selectionSet, getNamedType(definition.type), [...path, key], context, name === '_entities') }
        : withCodes;
      const rule = ROOT_FIELDS[name];
      if (path.length === 0 && parentType === context.schema.getQueryType() && rule?.route === 'fanOut' && rule.merge === 'connection') {
        rewritten = withPageVariables(rewritten, key);
        context.paged.set(key, rewritten);
      }
      selections.push(rewritten);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? context.schema.getType(selection.typeCondition.name.value) : parentType;
      if (!type) throw new ShardPlanError(`type ${selection.typeCondition?.name.value} is not in the exchange contract`);
      selections.push({ ...selection, selectionSet: rewrite(selection.selectionSet, type, path, context, entityRoot) });
    }
  }
  selections.push(...hiddenFieldsFor(parentType.name, set));
  if (liftedHere.length > 0) {
    const keyField = ENTITIES[parentType.name].key;
    selections.push(field(keyField, HIDDEN.entityKey));
    context.lifted.push({ path, typeName: parentType.name, fields: liftedHere });
  }
  return { ...set, selections };
}

function variablesUsed(nodes: ReadonlyArray<FieldNode | SelectionSetNode>): Set<string> {
  const used = new Set<string>();
  for (const node of nodes) visit(node, { Variable: (variable) => void used.add(variable.name.value) });
  return used;
}

function liftOperation(site: { typeName: string; fields: FieldNode[] }, variableDefinitions: readonly VariableDefinitionNode[]): string {
  const used = variablesUsed(site.fields);
  const definitions = variableDefinitions.filter((d) => used.has(d.variable.name.value)).map((d) => print(d));
  return `query ShardLift($${LIFT_REPRESENTATIONS}: [_Any!]!${definitions.length ? `, ${definitions.join(', ')}` : ''}) {
  _entities(representations: $${LIFT_REPRESENTATIONS}) { ... on ${site.typeName} { ${site.fields.map((f) => print(f)).join(' ')} } } }`;
}

function topLevelFields(set: SelectionSetNode): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) out.push(...topLevelFields(selection.selectionSet));
  }
  return out;
}

/** Plans one fetch of the `exchanges` subgraph against the exchange contract's schema. */
export function planShardFetch(document: DocumentNode, schema: GraphQLSchema, options: { internal?: boolean; crossListed?: boolean } = {}): ShardPlan {
  if (!options.internal) refuseReservedNames(document);
  const operation = inlineFragments(document);
  if (operation.operation !== 'query') throw new ShardPlanError(`${operation.operation} operations are not served by exchanges`);
  const queryType = schema.getQueryType()!;
  const context: RewriteContext = {
    schema,
    lifted: [],
    alignedListKeys: new Set(),
    usesCrossListed: false,
    addCrossListed: options.crossListed ?? false,
    paged: new Map(),
  };
  const { sent: selection, separate } = separateRootFields(rewrite(operation.selectionSet, queryType, [], context, false));
  const variableDefinitions = [
    ...(operation.variableDefinitions ?? []),
    ...(context.addCrossListed && context.usesCrossListed ? [crossListedVariableDefinition()] : []),
  ];
  const sentDefinitions = [...variableDefinitions, ...[...context.paged.keys()].flatMap((key) => pageVariableDefinitions(key))];
  // A variable used only inside a lifted (or separate) field moves with it, and a client's page variables
  // give way to the hidden ones: declared but unused, an exchange would refuse it.
  const used = variablesUsed([selection]);
  const rewritten: OperationDefinitionNode = {
    ...operation,
    selectionSet: selection,
    variableDefinitions:
      context.lifted.length > 0 || separate.size > 0 || context.addCrossListed || context.paged.size > 0
        ? sentDefinitions.filter((d) => used.has(d.variable.name.value))
        : operation.variableDefinitions,
  };

  const top = topLevelFields(operation.selectionSet);
  const entitiesField = top.find((f) => f.name.value === '_entities');
  const isEntities = entitiesField !== undefined;
  const representationsArgument = entitiesField?.arguments?.find((a) => a.name.value === 'representations')?.value;
  const representationsVariable = representationsArgument?.kind === Kind.VARIABLE ? representationsArgument.name.value : 'representations';
  const rootFields: FieldPlan[] = [];
  const entityFields = new Map<string, FieldPlan[]>();
  for (const node of top) {
    const name = node.name.value;
    const definition = queryType.getFields()[name];
    if (!definition && !name.startsWith('__')) throw new ShardPlanError(`Query.${name} is not in the exchange contract`);
    const responseKey = node.alias?.value ?? name;
    rootFields.push({
      responseKey,
      fieldName: name,
      node,
      definition,
      rule: ROOT_FIELDS[name],
      shape: shapeOf(node.selectionSet),
      separateNode: separate.get(responseKey),
      paged:
        context.paged.has(responseKey) && !separate.has(responseKey) ? pagedField(context.paged.get(responseKey)!, responseKey, sentDefinitions) : undefined,
    });
    if (name !== '_entities' || !node.selectionSet) continue;
    for (const fragment of node.selectionSet.selections) {
      if (fragment.kind !== Kind.INLINE_FRAGMENT || !fragment.typeCondition) continue;
      const typeName = fragment.typeCondition.name.value;
      const fanOut = FAN_OUT_ENTITY_FIELDS[typeName];
      if (!fanOut) continue;
      const type = schema.getType(typeName)!;
      const list = entityFields.get(typeName) ?? [];
      for (const entityField of topLevelFields(fragment.selectionSet)) {
        const rule = fanOut[entityField.name.value];
        if (!rule) continue;
        list.push({
          responseKey: entityField.alias?.value ?? entityField.name.value,
          fieldName: entityField.name.value,
          node: entityField,
          definition: fieldsOf(type)[entityField.name.value],
          rule,
          shape: shapeOf(entityField.selectionSet),
        });
      }
      entityFields.set(typeName, list);
    }
  }

  const lifts: LiftSite[] = context.lifted.map((site) => {
    const text = liftOperation(site, operation.variableDefinitions ?? []);
    return { path: site.path, typeName: site.typeName, keyField: ENTITIES[site.typeName].key, operation: text, document: parse(text) };
  });
  return {
    kind: isEntities ? 'entities' : 'root',
    representationsVariable,
    // Nothing left to send when every root field is answered separately.
    query: selection.selections.length > 0 ? print({ kind: Kind.DOCUMENT, definitions: [rewritten] }) : '',
    operationName: operation.name?.value,
    rootFields,
    entityFields,
    lifts,
    alignedListKeys: context.alignedListKeys,
    usesCrossListed: context.usesCrossListed,
    variableDefinitions,
    withCrossListedCodes:
      context.usesCrossListed && !options.crossListed ? once(() => planShardFetch(document, schema, { ...options, crossListed: true })) : undefined,
  };
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
