import { GraphQLError, getNamedType, getNullableType, isListType, type ASTVisitor, type GraphQLScalarType, type ValidationContext, type ValidationRule, type ValueNode } from 'graphql';

/**
 * Checks literal values of our custom scalars (Decimal, DateTime) with the scalars' own rules.
 *
 * The gateway's schema comes from the supergraph, where a custom scalar accepts any literal: without this
 * rule, `filter: { minPrice: "abc" }` would reach every exchange and come back as one bad response per
 * exchange. With it, the request is refused once, at validation, naming the argument path and the rule.
 * (Variables are checked by the exchanges, which answer BAD_USER_INPUT, reported once by the router.)
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
