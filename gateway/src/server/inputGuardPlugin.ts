import {
  GraphQLError,
  TypeInfo,
  getNamedType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { validateUscc } from '../../../shared/uscc.ts';
import { decodeCursor } from '../../../shared/datasetOrder.ts';
import type { DatasetSort } from '../../../shared/domain.ts';

/**
 * Checks the arguments that would otherwise be checked once per exchange, or not at all, before the
 * query plan fans out: a refusal is one BAD_USER_INPUT error naming the argument (HTTP 400), never one
 * error per exchange or a partial answer. What each exchange checks as well (cursors, ids, pages) stays
 * with the shard router, which reports it once.
 */
export interface InputGuardOptions {
  /** Whether an exchange code is registered now (the directory). */
  isRegistered: (exchange: string) => boolean;
  /** The codes registered now, for the message. */
  registered: () => string[];
  /** filter.exchanges longer than this is refused (the shard router's MAX_NAMED_EXCHANGES). */
  maxNamedExchanges: number;
}

/** The exchanges' own limit on filter.text (the contract's text search), applied to every filter's text. */
export const MAX_FILTER_TEXT_LENGTH = 200;
// C0 controls and DEL: nothing a person types into a search box; NUL in particular breaks SQLite's FTS.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function refuse(argument: string, message: string): never {
  throw new GraphQLError(`${argument}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', argument, http: { status: 400 } } });
}

function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

/** Checks one argument value, recursing into input objects; `path` names it as the client wrote it. */
function checkValue(path: string, name: string, value: unknown, options: InputGuardOptions): void {
  if (value === null || value === undefined) return;
  if (name === 'text' && typeof value === 'string') {
    const control = CONTROL_CHARACTER.exec(value);
    if (control) {
      const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      refuse(path, `must not contain control characters, found U+${code} at position ${control.index + 1}`);
    }
    if (value.length > MAX_FILTER_TEXT_LENGTH) refuse(path, `must be at most ${MAX_FILTER_TEXT_LENGTH} characters, got ${value.length}`);
    return;
  }
  if ((name === 'uscc' || name === 'providerUscc') && typeof value === 'string') {
    const checked = validateUscc(value.length > 40 ? value.slice(0, 40) : value);
    if (!checked.ok) refuse(path, value.length !== 18 ? `must be 18 characters, got ${value.length}` : checked.message.replace(/^uscc /, ''));
    return;
  }
  if (name === 'exchanges' && Array.isArray(value)) {
    const named = [...new Set(value.map(String))];
    if (named.length > options.maxNamedExchanges) refuse(path, `at most ${options.maxNamedExchanges} exchanges, got ${named.length}`);
    const unknown = named.find((id) => !options.isRegistered(id));
    if (unknown !== undefined) refuse(path, `no exchange ${shown(unknown)} is registered (registered: ${options.registered().join(', ')})`);
    return;
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) checkValue(`${path}.${key}`, key, inner, options);
  }
}

/** A field of a document that has arguments, with its definition in the schema. */
interface ArgumentField {
  node: FieldNode;
  definition: GraphQLField<unknown, unknown>;
  /** The field returns a DatasetConnection: its `after` cursor is checked too. */
  datasetPage: boolean;
}

/**
 * The fields with arguments of each document (fragments included), found once per document and schema:
 * Apollo Server keeps one parsed document per query text, so a query sent again with other variables only
 * has its argument values computed, not the document walked again with its types.
 */
const argumentFieldsBySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, ArgumentField[]>>();

function argumentFieldsOf(schema: GraphQLSchema, document: DocumentNode): ArgumentField[] {
  let byDocument = argumentFieldsBySchema.get(schema);
  if (!byDocument) argumentFieldsBySchema.set(schema, (byDocument = new WeakMap()));
  let fields = byDocument.get(document);
  if (fields) return fields;
  const found: ArgumentField[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const definition = typeInfo.getFieldDef();
        if (definition && node.arguments?.length) found.push({ node, definition, datasetPage: getNamedType(definition.type).name === 'DatasetConnection' });
      },
    }),
  );
  byDocument.set(document, (fields = found));
  return fields;
}

/** Every field argument of the operation (fragments included), with the request's variables. */
export function checkArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  options: InputGuardOptions,
): void {
  const fields = argumentFieldsOf(schema, document);
  if (fields.length === 0) return;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  // Variables that do not fit their types are reported by execution, naming the variable.
  if (coerced.errors) return;
  for (const { node, definition, datasetPage } of fields) {
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(definition, node, coerced.coerced);
    } catch {
      continue; // a missing required argument: validation or execution names it
    }
    for (const [name, value] of Object.entries(values)) checkValue(name, name, value, options);
    // A dataset page's cursor is checked here, once, rather than by every exchange it would be sent to.
    if (datasetPage && typeof values.after === 'string') {
      const position = decodeCursor(values.after, (values.sort ?? 'UPDATED_DESC') as DatasetSort);
      if (typeof position === 'string') refuse('after', position);
    }
  }
}

function unresolvedOperation(operationName: string | undefined): GraphQLError {
  const message = operationName
    ? `operationName: the document has no operation named ${shown(operationName)}`
    : 'operationName: the document holds several operations; name the one to run';
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', argument: 'operationName', http: { status: 400 } } });
}

export function inputGuardPlugin<TContext extends BaseContext>(options: InputGuardOptions): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          // Left to Apollo Gateway, an operationName that names no operation is an INVALID_GRAPHQL 500.
          if (!operation) throw unresolvedOperation(request.operationName);
          checkArguments(schema, document, operation, request.variables ?? {}, options);
        },
      };
    },
  };
}
