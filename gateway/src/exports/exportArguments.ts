import { coerceInputValue, isInputType, type GraphQLInputType, type GraphQLSchema } from 'graphql';
import type { DatasetSort } from '../../../shared/domain.ts';

export interface ExportArguments {
  filter: Record<string, unknown> | null;
  sort: DatasetSort;
  /** partial=1: go on without the exchanges that fail before the first byte (named in X-Missing-Exchanges). */
  partial: boolean;
  /** bom=1 (CSV only): a UTF-8 byte order mark first, so that Excel reads the file as UTF-8. */
  bom: boolean;
}

/** A bad query parameter: `field` is the parameter (and path inside it); the export answers 400. */
export class ExportArgumentError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const DEFAULT_SORT: DatasetSort = 'UPDATED_DESC';
/** A filter is a few hundred bytes; this bounds the JSON parsed from a URL. */
const MAX_FILTER_LENGTH = 10_000;
const FLAGS = ['partial', 'bom'] as const;

function inputType(schema: GraphQLSchema, name: string): GraphQLInputType {
  const type = schema.getType(name);
  if (!type || !isInputType(type)) throw new Error(`the public schema has no input type ${name}`);
  return type;
}

/**
 * Coerces a value with graphql-js against the public schema's own input type: the rules (enum values,
 * list and scalar types, unknown fields, required fields) are those of the `datasets` arguments, and the
 * first problem is reported with its path, e.g. `filter.categories[1]: Value "X" does not exist ...`.
 */
function coerce(schema: GraphQLSchema, typeName: string, field: string, value: unknown): unknown {
  return coerceInputValue(value, inputType(schema, typeName), (path, _invalid, error) => {
    const at = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    throw new ExportArgumentError(`${field}${at}`, error.message);
  });
}

/**
 * The export's query parameters, checked: `filter` (the JSON of a DatasetFilter), `sort` (a DatasetSort),
 * `partial` and `bom` (0 or 1). `allowed` lists the parameters the route takes; any other is refused.
 */
export function readExportArguments(schema: GraphQLSchema, query: URLSearchParams, allowed: readonly string[]): ExportArguments {
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) throw new ExportArgumentError(name, `unknown parameter; this export takes ${allowed.join(', ')}`);
    if (query.getAll(name).length > 1) throw new ExportArgumentError(name, 'given more than once');
  }
  let filter: Record<string, unknown> | null = null;
  const filterText = query.get('filter');
  if (filterText !== null && filterText !== '') {
    if (filterText.length > MAX_FILTER_LENGTH) throw new ExportArgumentError('filter', `at most ${MAX_FILTER_LENGTH} characters, got ${filterText.length}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(filterText);
    } catch (err) {
      throw new ExportArgumentError('filter', `must be the JSON of a DatasetFilter, e.g. {"categories":["FINANCE"]} (${(err as Error).message})`);
    }
    filter = coerce(schema, 'DatasetFilter', 'filter', parsed) as Record<string, unknown> | null;
  }
  const sortText = query.get('sort');
  const sort = sortText === null || sortText === '' ? DEFAULT_SORT : (coerce(schema, 'DatasetSort', 'sort', sortText) as DatasetSort);
  const flags = Object.fromEntries(
    FLAGS.map((name) => {
      const value = query.get(name);
      if (value !== null && value !== '0' && value !== '1') throw new ExportArgumentError(name, `must be 0 or 1, got ${JSON.stringify(value.slice(0, 40))}`);
      return [name, value === '1'];
    }),
  ) as Record<(typeof FLAGS)[number], boolean>;
  return { filter, sort, ...flags };
}
