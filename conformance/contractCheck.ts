import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  Kind,
  OperationTypeNode,
  astFromValue,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  parse,
  print,
  type ConstDirectiveNode,
  type GraphQLError,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLEnumType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type GraphQLUnionType,
} from 'graphql';
import { CONTRACT_SDL } from './exchangeContract.ts';

export { CONTRACT_SDL };

/**
 * Checks that an exchange's subgraph SDL (what `{ _service { sdl } }` returns) implements the exchange
 * contract, and returns every problem found, each naming the schema coordinate and what to change, e.g.
 * `Dataset.price: expected Price!, found Float`. An empty list means the exchange implements the contract.
 *
 * Both schemas are built the same way, with `buildSubgraphSchema` from @apollo/subgraph: it understands
 * Federation 1 and 2 SDL (`@link`, `extend type` entities, printed federation definitions), so a schema
 * that it cannot build would not compose either, and is reported as one problem, `schema: <why>`.
 *
 * Compatibility rules. The gateway plans every query against the contract and sends the same query to
 * every exchange, so an exchange may differ from the contract only where no client could notice:
 * - Types, fields, arguments and enum values the contract does not have are fine (they are never asked
 *   for), except an extra argument or input field that is required: the gateway never sends it, so every
 *   call would fail. It must be nullable or have a default.
 * - Output fields are covariant: the same type or stricter. `String!` satisfies `String` (a value the
 *   contract allows to be null simply never is), `[String!]` satisfies `[String]`; a list never satisfies
 *   a single value nor the other way round, and the named type must be the same.
 * - Arguments and input fields are contravariant: the exchange must accept every value the contract
 *   accepts, so the same type or looser (`Int` accepts what `Int!` does). A default the contract
 *   declares must be the same on the exchange: the gateway forwards an omitted argument as omitted, so a
 *   different default would answer a different question (a different page size, a different order).
 * - Enums: every contract value must exist (clients send them). An enum that the contract returns
 *   (used by an output field) must not have extra values either: the exchange could return a value that
 *   no client and not the gateway know. Enums used only as input (DatasetSort, StatsGroup, ...) may grow.
 * - Unions the contract returns must not gain members, for the same reason; they may lose some.
 * - Scalars (Decimal, DateTime) must exist, as scalars.
 * - Federation: every contract entity key must be there, resolvable (Dataset by id, Exchange by id,
 *   Provider by uscc), or the gateway cannot join the exchange's entities with the other subgraphs.
 *   `@shareable` and `@inaccessible` of the contract must be kept (PageInfo is shared with the providers
 *   subgraph; `PriceStatsBucket.sketch` is for the gateway only), and a contract field may not be made
 *   `@inaccessible` or `@external` (the exchange must resolve it itself; key fields of a Federation 1
 *   `extend type` are the exception, as that is how Federation 1 spells an entity reference).
 * Directive names are read through the SDL's own `@link` (imports, `as:` renames, `federation__` names).
 */
export function checkContract(sdl: string, contractSdl: string = CONTRACT_SDL): string[] {
  const exchange = loadSubgraph(sdl);
  if (!exchange.ok) return [`schema: ${exchange.problem}`];
  return new ContractComparison(loadContract(contractSdl), exchange.subgraph).problems();
}

interface LoadedSubgraph {
  document: DocumentNode;
  schema: GraphQLSchema;
  directives: FederationDirectives;
}

let cachedContract: { sdl: string; subgraph: LoadedSubgraph } | null = null;

function loadContract(sdl: string): LoadedSubgraph {
  if (cachedContract?.sdl === sdl) return cachedContract.subgraph;
  const loaded = loadSubgraph(sdl);
  // The contract is ours: failing to build it is a bug in the repository, not a problem of an exchange.
  if (!loaded.ok) throw new Error(`the exchange contract does not build: ${loaded.problem}`);
  cachedContract = { sdl, subgraph: loaded.subgraph };
  return loaded.subgraph;
}

function loadSubgraph(sdl: string): { ok: true; subgraph: LoadedSubgraph } | { ok: false; problem: string } {
  try {
    const document = parse(sdl);
    const schema = buildSubgraphSchema({ typeDefs: document });
    return { ok: true, subgraph: { document, schema, directives: new FederationDirectives(document) } };
  } catch (err) {
    return { ok: false, problem: describeBuildError(err) };
  }
}

/**
 * One line from a parse or build error. Schema validation errors arrive as one message, "... Caused by:"
 * followed by every cause with a source excerpt; the excerpts are dropped and their location kept.
 */
function describeBuildError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Duck-typed, so that a GraphQLError from another copy of graphql (CJS or ESM build) still counts.
  const location = (err as Partial<GraphQLError>).locations?.[0];
  const located = location ? ` (line ${location.line}, column ${location.column})` : '';
  const body = err.message.replace(/^The schema is not a valid GraphQL schema\.*\s*Caused by:\s*/s, '');
  const causes: string[] = [];
  for (const line of body.split('\n')) {
    const location = /^GraphQL request:(\d+):(\d+)$/.exec(line.trim());
    if (location && causes.length > 0) causes[causes.length - 1] += ` (line ${location[1]}, column ${location[2]})`;
    else if (line.trim() !== '' && !/^\s*\d*\s*\|/.test(line)) causes.push(line.trim());
  }
  return (causes.join('; ') || err.message) + located;
}

type FederationDirective = 'key' | 'shareable' | 'inaccessible' | 'external';

/** The federation directives applied in one SDL, by type and by field, read from the AST. */
class FederationDirectives {
  private readonly onTypes = new Map<string, ConstDirectiveNode[]>();
  private readonly onFields = new Map<string, ConstDirectiveNode[]>();
  /** Types that only appear as `extend type` (Federation 1 entity references). */
  private readonly extendedOnly = new Set<string>();
  private readonly names: Record<FederationDirective, string>;
  /**
   * Federation 1 SDL has no @link. Its value types are all shareable (composition upgrades it so), so
   * a missing @shareable is only a problem in Federation 2 SDL.
   */
  readonly isFederation2: boolean;

  constructor(document: DocumentNode) {
    const linked = federationDirectiveNames(document);
    this.isFederation2 = linked !== null;
    this.names = linked ?? { key: 'key', shareable: 'shareable', inaccessible: 'inaccessible', external: 'external' };
    const defined = new Set<string>();
    for (const definition of document.definitions) {
      if (!('name' in definition) || !definition.name || definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
      if (!('directives' in definition)) continue;
      const typeName = definition.name.value;
      if (definition.kind.endsWith('Extension')) this.extendedOnly.add(typeName);
      else defined.add(typeName);
      push(this.onTypes, typeName, definition.directives ?? []);
      if ('fields' in definition) {
        for (const field of definition.fields ?? []) push(this.onFields, `${typeName}.${field.name.value}`, field.directives ?? []);
      }
    }
    for (const name of defined) this.extendedOnly.delete(name);
  }

  onType(typeName: string, directive: FederationDirective): ConstDirectiveNode[] {
    return (this.onTypes.get(typeName) ?? []).filter((d) => d.name.value === this.names[directive]);
  }

  onField(typeName: string, fieldName: string, directive: FederationDirective): boolean {
    return (this.onFields.get(`${typeName}.${fieldName}`) ?? []).some((d) => d.name.value === this.names[directive]);
  }

  isExtendedOnly(typeName: string): boolean {
    return this.extendedOnly.has(typeName);
  }

  keys(typeName: string): Array<{ fields: string; resolvable: boolean }> {
    return this.onType(typeName, 'key').map((directive) => {
      const fields = directive.arguments?.find((a) => a.name.value === 'fields')?.value;
      const resolvable = directive.arguments?.find((a) => a.name.value === 'resolvable')?.value;
      return {
        fields: fields?.kind === Kind.STRING ? fields.value : '',
        resolvable: !(resolvable?.kind === Kind.BOOLEAN && !resolvable.value),
      };
    });
  }
}

function push<T>(map: Map<string, T[]>, key: string, items: readonly T[]): void {
  map.set(key, [...(map.get(key) ?? []), ...items]);
}

/**
 * The names under which this SDL uses the federation directives. Federation 2 SDL imports them through
 * `@link(url: ".../federation/v2.x", import: ["@key", { name: "@shareable", as: "@share" }])`; one not
 * imported is spelled `@federation__key` (or `@<as>__key` with `as:`). Without a federation `@link` the
 * SDL is Federation 1, where the names are plain.
 */
function federationDirectiveNames(document: DocumentNode): Record<FederationDirective, string> | null {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      const url = link.arguments?.find((a) => a.name.value === 'url')?.value;
      if (url?.kind !== Kind.STRING || !/\/federation\/v\d/.test(url.value)) continue;
      const as = link.arguments?.find((a) => a.name.value === 'as')?.value;
      const namespace = as?.kind === Kind.STRING ? as.value.replace(/^@/, '') : 'federation';
      const imports = new Map<string, string>();
      const importList = link.arguments?.find((a) => a.name.value === 'import')?.value;
      const items = importList?.kind === Kind.LIST ? importList.values : importList ? [importList] : [];
      for (const item of items) {
        if (item.kind === Kind.STRING) imports.set(item.value, item.value);
        if (item.kind === Kind.OBJECT) {
          const name = item.fields.find((f) => f.name.value === 'name')?.value;
          const alias = item.fields.find((f) => f.name.value === 'as')?.value;
          if (name?.kind === Kind.STRING) imports.set(name.value, alias?.kind === Kind.STRING ? alias.value : name.value);
        }
      }
      const resolve = (directive: FederationDirective) => (imports.get(`@${directive}`) ?? `@${namespace}__${directive}`).replace(/^@/, '');
      return { key: resolve('key'), shareable: resolve('shareable'), inaccessible: resolve('inaccessible'), external: resolve('external') };
    }
  }
  return null;
}

/** `id`, ` id `, `{ id }`-style field sets compare equal. */
function normalizeFieldSet(fields: string): string {
  try {
    return print(parse(`{ ${fields} }`)).replace(/\s+/g, ' ');
  } catch {
    return fields.trim().replace(/\s+/g, ' ');
  }
}

/** Output positions are covariant: the exchange's type satisfies the contract's if it is the same or stricter. */
function outputSatisfies(found: GraphQLType, expected: GraphQLType): boolean {
  if (isNonNullType(expected)) return isNonNullType(found) && outputSatisfies(found.ofType, expected.ofType);
  if (isNonNullType(found)) return outputSatisfies(found.ofType, expected);
  if (isListType(expected)) return isListType(found) && outputSatisfies(found.ofType, expected.ofType);
  if (isListType(found)) return false;
  return found.name === expected.name;
}

/** Input positions are contravariant: the exchange's type must accept every value the contract's accepts. */
function inputAccepts(found: GraphQLType, expected: GraphQLType): boolean {
  if (isNonNullType(found)) return isNonNullType(expected) && inputAccepts(found.ofType, expected.ofType);
  if (isNonNullType(expected)) return inputAccepts(found, expected.ofType);
  if (isListType(found)) return isListType(expected) && inputAccepts(found.ofType, expected.ofType);
  if (isListType(expected)) return false;
  return found.name === expected.name;
}

/**
 * A default value as GraphQL text, printed as a value of the CONTRACT's type on both sides, so that
 * the same default compares equal however each schema was built (built schemas keep the coerced value).
 */
function printedDefault(input: GraphQLArgument | GraphQLInputField, asType: GraphQLInputType): string | undefined {
  if (input.defaultValue === undefined) return undefined;
  try {
    const ast = astFromValue(input.defaultValue, asType);
    if (ast) return print(ast);
  } catch {
    // Not a value of the contract's type: the type comparison reports that; show the raw value.
  }
  return JSON.stringify(input.defaultValue);
}

function kindLabel(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'type';
  if (isInterfaceType(type)) return 'interface';
  if (isUnionType(type)) return 'union';
  if (isEnumType(type)) return 'enum';
  if (isInputObjectType(type)) return 'input';
  return 'scalar';
}

function kindWords(type: GraphQLNamedType): string {
  return { type: 'an object type', interface: 'an interface', union: 'a union', enum: 'an enum', input: 'an input type', scalar: 'a scalar' }[kindLabel(type)]!;
}

const ROOT_OPERATIONS = [OperationTypeNode.QUERY, OperationTypeNode.MUTATION, OperationTypeNode.SUBSCRIPTION];
/** Added to the query root by buildSubgraphSchema on both sides: not part of the comparison. */
const FEDERATION_ROOT_FIELDS = new Set(['_service', '_entities']);

class ContractComparison {
  private readonly found: string[] = [];
  /** Enums and unions that some contract output field returns: they may not grow. */
  private readonly returned = new Set<string>();

  constructor(
    private readonly contract: LoadedSubgraph,
    private readonly exchange: LoadedSubgraph,
  ) {
    for (const type of Object.values(contract.schema.getTypeMap())) {
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      for (const field of Object.values(type.getFields())) this.returned.add(getNamedType(field.type).name);
    }
  }

  problems(): string[] {
    for (const name of this.contractTypeNames()) {
      const expected = this.contract.schema.getType(name)!;
      const found = this.exchangeCounterpart(expected);
      if (!found) {
        this.found.push(`${kindLabel(expected)} ${name}: missing`);
      } else if (kindLabel(found) !== kindLabel(expected)) {
        this.found.push(`${kindLabel(expected)} ${name}: expected ${kindWords(expected)}, found ${kindWords(found)}`);
      } else {
        this.compareType(expected, found);
      }
    }
    return this.found;
  }

  /** The types the contract declares, in the order it declares them (the problems read in that order). */
  private contractTypeNames(): string[] {
    const names = new Set<string>();
    for (const definition of this.contract.document.definitions) {
      if ('name' in definition && definition.name && definition.kind !== Kind.DIRECTIVE_DEFINITION) names.add(definition.name.value);
    }
    return [...names].filter((name) => this.contract.schema.getType(name));
  }

  /** The exchange's type of the same name; for a root type, the exchange's root (it may be named otherwise). */
  private exchangeCounterpart(expected: GraphQLNamedType): GraphQLNamedType | undefined {
    for (const operation of ROOT_OPERATIONS) {
      if (this.contract.schema.getRootType(operation) === expected) {
        return this.exchange.schema.getRootType(operation) ?? undefined;
      }
    }
    return this.exchange.schema.getType(expected.name) ?? undefined;
  }

  private compareType(expected: GraphQLNamedType, found: GraphQLNamedType): void {
    if ((isObjectType(expected) || isInterfaceType(expected)) && (isObjectType(found) || isInterfaceType(found))) {
      this.compareFieldsOf(expected, found);
    } else if (isInputObjectType(expected) && isInputObjectType(found)) {
      this.compareInputFields(expected, found);
    } else if (isEnumType(expected) && isEnumType(found)) {
      this.compareEnum(expected, found);
    } else if (isUnionType(expected) && isUnionType(found)) {
      this.compareUnion(expected, found);
    }
    this.compareTypeDirectives(expected, found);
  }

  private compareFieldsOf(expected: GraphQLObjectType | GraphQLInterfaceType, found: GraphQLObjectType | GraphQLInterfaceType): void {
    const isQueryRoot = this.contract.schema.getQueryType() === expected;
    for (const iface of expected.getInterfaces()) {
      if (!found.getInterfaces().some((i) => i.name === iface.name)) this.found.push(`${expected.name}: must implement ${iface.name}`);
    }
    const foundFields = found.getFields();
    for (const field of Object.values(expected.getFields())) {
      if (isQueryRoot && FEDERATION_ROOT_FIELDS.has(field.name)) continue;
      const coordinate = `${expected.name}.${field.name}`;
      const counterpart = foundFields[field.name];
      if (!counterpart) {
        this.found.push(`${coordinate}: missing`);
        continue;
      }
      if (!outputSatisfies(counterpart.type, field.type)) {
        this.found.push(`${coordinate}: expected ${String(field.type)}, found ${String(counterpart.type)}`);
      }
      this.compareArguments(coordinate, field, counterpart);
      this.compareFieldDirectives(expected, found, field.name);
    }
  }

  private compareArguments(coordinate: string, expected: GraphQLField<unknown, unknown>, found: GraphQLField<unknown, unknown>): void {
    for (const arg of expected.args) {
      const where = `${coordinate}(${arg.name}:)`;
      const counterpart = found.args.find((a) => a.name === arg.name);
      if (!counterpart) {
        this.found.push(`${where}: missing argument`);
        continue;
      }
      this.compareInput(where, arg, counterpart);
    }
    for (const extra of found.args) {
      if (expected.args.some((a) => a.name === extra.name)) continue;
      if (isNonNullType(extra.type) && extra.defaultValue === undefined) {
        this.found.push(
          `${coordinate}(${extra.name}:): unexpected required argument (${String(extra.type)}); the contract has no such argument, so make it nullable or give it a default`,
        );
      }
    }
  }

  private compareInputFields(expected: GraphQLInputObjectType, found: GraphQLInputObjectType): void {
    const foundFields = found.getFields();
    for (const field of Object.values(expected.getFields())) {
      const where = `${expected.name}.${field.name}`;
      const counterpart = foundFields[field.name];
      if (!counterpart) this.found.push(`${where}: missing`);
      else this.compareInput(where, field, counterpart);
    }
    for (const extra of Object.values(foundFields)) {
      if (expected.getFields()[extra.name]) continue;
      if (isNonNullType(extra.type) && extra.defaultValue === undefined) {
        this.found.push(
          `${expected.name}.${extra.name}: unexpected required input field (${String(extra.type)}); the contract has no such field, so make it nullable or give it a default`,
        );
      }
    }
  }

  /** An argument or input field: must accept what the contract's accepts, with the contract's default. */
  private compareInput(where: string, expected: GraphQLArgument | GraphQLInputField, found: GraphQLArgument | GraphQLInputField): void {
    if (!inputAccepts(found.type, expected.type)) {
      this.found.push(`${where}: expected ${String(expected.type)}, found ${String(found.type)}`);
      return;
    }
    // A required contract input with no default is always sent, so the exchange's default never applies.
    if (isNonNullType(expected.type) && expected.defaultValue === undefined) return;
    const expectedDefault = printedDefault(expected, expected.type);
    const foundDefault = printedDefault(found, expected.type);
    if (expectedDefault !== foundDefault) {
      this.found.push(
        `${where}: expected ${expectedDefault === undefined ? 'no default' : `default ${expectedDefault}`}, found ${foundDefault === undefined ? 'no default' : `default ${foundDefault}`}`,
      );
    }
  }

  private compareEnum(expected: GraphQLEnumType, found: GraphQLEnumType): void {
    const foundValues = new Set(found.getValues().map((v) => v.name));
    const expectedValues = new Set(expected.getValues().map((v) => v.name));
    for (const value of expectedValues) {
      if (!foundValues.has(value)) this.found.push(`enum ${expected.name}: missing value ${value}`);
    }
    if (!this.returned.has(expected.name)) return;
    for (const value of foundValues) {
      if (!expectedValues.has(value)) this.found.push(`enum ${expected.name}: unexpected value ${value}`);
    }
  }

  private compareUnion(expected: GraphQLUnionType, found: GraphQLUnionType): void {
    const expectedMembers = new Set(expected.getTypes().map((t) => t.name));
    for (const member of found.getTypes()) {
      if (!expectedMembers.has(member.name)) this.found.push(`union ${expected.name}: unexpected member ${member.name}`);
    }
  }

  private compareTypeDirectives(expected: GraphQLNamedType, found: GraphQLNamedType): void {
    const contract = this.contract.directives;
    const exchange = this.exchange.directives;
    const foundKeys = exchange.keys(found.name).map((k) => ({ ...k, fields: normalizeFieldSet(k.fields) }));
    for (const key of contract.keys(expected.name)) {
      const match = foundKeys.filter((k) => k.fields === normalizeFieldSet(key.fields));
      if (match.length === 0) this.found.push(`${expected.name}: missing @key(fields: ${JSON.stringify(key.fields)})`);
      else if (key.resolvable && !match.some((k) => k.resolvable)) {
        this.found.push(`${expected.name}: @key(fields: ${JSON.stringify(key.fields)}) must be resolvable, found resolvable: false`);
      }
    }
    if (exchange.isFederation2 && contract.onType(expected.name, 'shareable').length > 0 && exchange.onType(found.name, 'shareable').length === 0) {
      // Field-level @shareable on every contract field is the same promise, spelled per field.
      const fields = isObjectType(expected) ? Object.keys(expected.getFields()) : [];
      if (fields.length === 0 || !fields.every((f) => exchange.onField(found.name, f, 'shareable'))) {
        this.found.push(`${expected.name}: missing @shareable`);
      }
    }
    const contractHides = contract.onType(expected.name, 'inaccessible').length > 0;
    const exchangeHides = exchange.onType(found.name, 'inaccessible').length > 0;
    if (contractHides && !exchangeHides) this.found.push(`${expected.name}: missing @inaccessible`);
    if (!contractHides && exchangeHides) this.found.push(`${expected.name}: marked @inaccessible, but the contract exposes it`);
  }

  private compareFieldDirectives(expectedType: GraphQLNamedType, foundType: GraphQLNamedType, field: string): void {
    const contract = this.contract.directives;
    const exchange = this.exchange.directives;
    const coordinate = `${expectedType.name}.${field}`;
    const typeShareable = exchange.onType(foundType.name, 'shareable').length > 0;
    if (
      exchange.isFederation2 &&
      contract.onField(expectedType.name, field, 'shareable') &&
      !typeShareable &&
      !exchange.onField(foundType.name, field, 'shareable')
    ) {
      this.found.push(`${coordinate}: missing @shareable`);
    }
    const contractHides = contract.onField(expectedType.name, field, 'inaccessible');
    const exchangeHides = exchange.onField(foundType.name, field, 'inaccessible');
    if (contractHides && !exchangeHides) this.found.push(`${coordinate}: missing @inaccessible`);
    if (!contractHides && exchangeHides) this.found.push(`${coordinate}: marked @inaccessible, but the contract exposes it`);
    if (exchange.onField(foundType.name, field, 'external') && !this.isFederation1KeyField(foundType.name, field)) {
      this.found.push(`${coordinate}: marked @external, but the exchange must resolve it itself`);
    }
  }

  private isFederation1KeyField(typeName: string, field: string): boolean {
    const directives = this.exchange.directives;
    if (!directives.isExtendedOnly(typeName)) return false;
    return directives.keys(typeName).some((k) => normalizeFieldSet(k.fields).replace(/[{}]/g, ' ').split(/\s+/).includes(field));
  }
}
