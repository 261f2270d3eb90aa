import { GraphQLError } from 'graphql';

/**
 * A client mistake: the message names the argument and the rule it broke, and
 * `extensions.argument` carries the argument's path so clients can point at it.
 */
export function badUserInput(argument: string, message: string): GraphQLError {
  return new GraphQLError(`${argument}: ${message}`, {
    extensions: { code: 'BAD_USER_INPUT', argument },
  });
}
