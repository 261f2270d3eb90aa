import { Kind, print, visit, type FieldNode, type SelectionNode, type SelectionSetNode, type VariableDefinitionNode } from 'graphql';
import { CONNECTION, PAGE_ARGUMENTS } from '../../../schema/mergeRules.ts';
import { HIDDEN_PREFIX } from './hiddenPrefix.ts';

/**
 * The shard plan's part for small fan-out pages (docs/scale-out.md#small-pages): a root connection field
 * is sent with `first` and `after` as hidden variables, so the router can ask each exchange for fewer rows
 * than the client asked, and ask again after an exchange's own last cursor (a refill) with the same text.
 */
export interface PagedField {
  firstVariable: string;
  afterVariable: string;
  /** The field alone, as a query of its own with the same page variables (no totalCount: the first answer has it). */
  refillQuery: string;
}

export const REFILL_OPERATION = 'ShardRefill';

function variableNames(responseKey: string): { first: string; after: string } {
  return { first: `${HIDDEN_PREFIX}first_${responseKey}`, after: `${HIDDEN_PREFIX}after_${responseKey}` };
}

function variableDefinition(name: string, type: string): VariableDefinitionNode {
  return {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } },
    type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: type } },
  };
}

/** The field with `first` and `after` taken from the hidden variables of its response key. */
export function withPageVariables(node: FieldNode, responseKey: string): FieldNode {
  const names = variableNames(responseKey);
  const pageArgument = (argument: string, variable: string) => ({
    kind: Kind.ARGUMENT as const,
    name: { kind: Kind.NAME as const, value: argument },
    value: { kind: Kind.VARIABLE as const, name: { kind: Kind.NAME as const, value: variable } },
  });
  const others = (node.arguments ?? []).filter((a) => a.name.value !== PAGE_ARGUMENTS.first && a.name.value !== PAGE_ARGUMENTS.after);
  return { ...node, arguments: [...others, pageArgument(PAGE_ARGUMENTS.first, names.first), pageArgument(PAGE_ARGUMENTS.after, names.after)] };
}

/** The hidden variables' definitions (the contract's `first: Int`, `after: String`). */
export function pageVariableDefinitions(responseKey: string): VariableDefinitionNode[] {
  const names = variableNames(responseKey);
  return [variableDefinition(names.first, 'Int'), variableDefinition(names.after, 'String')];
}

/** A connection's selection without its totalCount and missingExchanges (a refill adds rows, not counts). */
function withoutCounts(set: SelectionSetNode): SelectionSetNode {
  return {
    ...set,
    selections: set.selections.flatMap((selection): SelectionNode[] => {
      if (selection.kind === Kind.FIELD)
        return selection.name.value === CONNECTION.totalCount || selection.name.value === CONNECTION.missing ? [] : [selection];
      if (selection.kind === Kind.INLINE_FRAGMENT) return [{ ...selection, selectionSet: withoutCounts(selection.selectionSet) }];
      return [selection];
    }),
  };
}

/**
 * The plan of one paged field: `node` is the rewritten field (hidden fields added, withPageVariables
 * applied), `definitions` every variable definition the rewritten operation may use.
 */
export function pagedField(node: FieldNode, responseKey: string, definitions: readonly VariableDefinitionNode[]): PagedField {
  const names = variableNames(responseKey);
  const field: FieldNode = node.selectionSet ? { ...node, selectionSet: withoutCounts(node.selectionSet) } : node;
  const used = new Set<string>();
  visit(field, { Variable: (variable) => void used.add(variable.name.value) });
  const declared = definitions.filter((d) => used.has(d.variable.name.value)).map((d) => print(d));
  return {
    firstVariable: names.first,
    afterVariable: names.after,
    refillQuery: `query ${REFILL_OPERATION}(${declared.join(', ')}) { ${print(field)} }`,
  };
}
