import { Kind, type FieldNode, type GraphQLField, type SelectionSetNode, type VariableDefinitionNode } from 'graphql';
import { CROSS_LISTED, ROOT_FIELDS } from '../../../schema/mergeRules.ts';
import { HIDDEN_PREFIX } from './hiddenPrefix.ts';

/**
 * The shard plan's part for products and cross-listings (docs/products.md): fields that take the
 * router's cross-listed codes get the argument, and root fields the router answers with calls of its
 * own (products) are taken out of the query sent to every exchange.
 */
export function crossListedVariable(): string {
  return `${HIDDEN_PREFIX}${CROSS_LISTED.argument}`;
}

export function crossListedVariableDefinition(): VariableDefinitionNode {
  return {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: crossListedVariable() } },
    type: { kind: Kind.LIST_TYPE, type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'String' } } } },
  };
}

/** The field with `crossListedCodes: $<hidden variable>` when its definition takes that argument. */
export function withCrossListedArgument(node: FieldNode, definition: GraphQLField<unknown, unknown>): FieldNode {
  if (!definition.args.some((a) => a.name === CROSS_LISTED.argument)) return node;
  if (node.arguments?.some((a) => a.name.value === CROSS_LISTED.argument)) return node;
  return {
    ...node,
    arguments: [
      ...(node.arguments ?? []),
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: CROSS_LISTED.argument },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: crossListedVariable() } },
      },
    ],
  };
}

/** Splits the top level of a root selection: what every exchange is sent, and the fields the router answers itself. */
export function separateRootFields(set: SelectionSetNode): { sent: SelectionSetNode; separate: Map<string, FieldNode> } {
  const separate = new Map<string, FieldNode>();
  const selections = set.selections.filter((selection) => {
    if (selection.kind !== Kind.FIELD) return true;
    const rule = ROOT_FIELDS[selection.name.value];
    if (!(rule?.route === 'fanOut' && rule.merge === 'products')) return true;
    separate.set(selection.alias?.value ?? selection.name.value, selection);
    return false;
  });
  return { sent: { ...set, selections }, separate };
}
