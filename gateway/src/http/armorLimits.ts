import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';

/**
 * The shape limits of one query, next to depth and cost (queryLimits.ts), from graphql-armor: they refuse
 * documents built to make the server work hard before a single field runs (a thousand aliases of one
 * field, directives stacked by the hundred, megabytes of tokens). Each refusal is HTTP 400 naming the
 * limit, its variable and the figure found. The tokens limit is not here: it is graphql-js's parse
 * option (`maxTokens`, see startApolloServer), so an oversized document is never fully parsed.
 */
export const DEFAULT_MAX_QUERY_ALIASES = 30;
export const DEFAULT_MAX_QUERY_DIRECTIVES = 50;
/**
 * The introspection query of GraphiQL is about 190 tokens and the web app's largest page about 300:
 * 2,000 leaves room for generated clients while a document of 100,000 tokens is stopped at parse.
 */
export const DEFAULT_MAX_QUERY_TOKENS = 2_000;

export interface ArmorLimits {
  maxAliases: number;
  maxDirectives: number;
}

/** graphql-armor's rules, each reporting its refusal in our words (figure, limit, variable). */
export function armorRules(limits: ArmorLimits): ValidationRule[] {
  return [
    maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [refusal('aliases', limits.maxAliases, 'MAX_QUERY_ALIASES', 'ask for fewer aliased fields, or split the query')],
    }) as unknown as ValidationRule,
    maxDirectivesRule({
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [refusal('directives', limits.maxDirectives, 'MAX_QUERY_DIRECTIVES', 'use fewer @include/@skip directives')],
    }) as unknown as ValidationRule,
  ];
}

function refusal(what: string, limit: number, variable: string, advice: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    if (!context) return;
    const found = /found (\d+)/.exec(error.message)?.[1] ?? '?';
    context.reportError(
      new GraphQLError(`query has ${found} ${what}, over the limit of ${limit} (${variable}): ${advice}`, {
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: variable, maxValue: limit },
      }),
    );
  };
}

/** graphql-js's parse error for a document past `maxTokens`, reworded to name the limit and its variable. */
export function tokensRefusalMessage(message: string, maxTokens: number): string | null {
  // graphql 16 spells it "more that N tokens".
  if (!/Document contains more (?:than|that) \d+ tokens/.test(message)) return null;
  return `query has more than ${maxTokens} tokens, the limit (MAX_QUERY_TOKENS): send a shorter document`;
}
