import { GraphQLScalarType, Kind, GraphQLError } from 'graphql';
import { parseAmountMicros, AMOUNT_RULE } from '../money.ts';

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || parseAmountMicros(value) === null) {
    throw new GraphQLError(`Decimal must be ${AMOUNT_RULE}, got ${JSON.stringify(value)}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return value.trim();
}

function parseDateTime(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new GraphQLError(`DateTime must be an ISO 8601 date or date-time such as "2024-05-01T08:00:00Z", got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return new Date(value).toISOString();
}

/** Money as a decimal string; inputs are checked so a filter never sees a float or garbage. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize: (value) => String(value),
  parseValue: parseDecimal,
  parseLiteral: (ast) => parseDecimal(ast.kind === Kind.STRING ? ast.value : ((ast as { value?: unknown }).value ?? ast.kind)),
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : ast.kind),
});
