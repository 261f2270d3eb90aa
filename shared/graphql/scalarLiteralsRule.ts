import {
  GraphQLError,
  GraphQLScalarType,
  getNamedType,
  getNullableType,
  isListType,
  type ASTVisitor,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

/**
 * Checks literal values of our custom scalars (Decimal, DateTime) with the scalars' own rules, so a bad
 * literal is refused once at validation instead of once per exchange: docs/architecture.md#partial-results-and-error-codes.
 */
export function scalarLiteralsRule(scalars: readonly GraphQLScalarType[]): ValidationRule {
  const byName = new Map(scalars.map((scalar) => [scalar.name, scalar]));
  return (context: ValidationContext): ASTVisitor => {
    const path: string[] = [];
    const check = (node: ValueNode) => {
      const type = context.getInputType();
      if (!type || isListType(getNullableType(type))) return;
      const scalar = byName.get(getNamedType(type).name);
      if (!scalar) return;
      try {
        scalar.parseLiteral(node, undefined);
      } catch (err) {
        const where = path.length > 0 ? `${path.join('.')}: ` : '';
        context.reportError(new GraphQLError(`${where}${(err as Error).message}`, { nodes: [node] }));
      }
    };
    return {
      Argument: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
      ObjectField: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
      StringValue: check,
      IntValue: check,
      FloatValue: check,
      BooleanValue: check,
      EnumValue: check,
    };
  };
}

/**
 * The scalar for a schema served with `scalarLiteralsRule`: a literal it refuses is left to the rule.
 *
 * Where a schema declares the scalar itself (a subgraph), graphql-js's own ValuesOfCorrectTypeRule would
 * report a bad literal as well, with the scalar's bare message and no path ("Decimal must be ..."), before
 * the rule's. This scalar's parseLiteral returns a literal it cannot parse as it is, so only the rule
 * reports it, once, naming the path; validation then fails and the value never reaches a resolver.
 * Variables (parseValue) are checked as before.
 */
export function literalsCheckedByRule(scalar: GraphQLScalarType): GraphQLScalarType {
  const config = scalar.toConfig();
  return new GraphQLScalarType({
    ...config,
    parseLiteral: (node, variables) => {
      try {
        return config.parseLiteral(node, variables);
      } catch {
        return 'value' in node ? node.value : node.kind;
      }
    },
  });
}
