import type { CheckContext } from '../CheckContext.ts';

const QUERY = `query($first: Int, $after: String) { datasets(first: $first, after: $after) { totalCount } }`;

/** Bad cursors and `first` out of 0..100 are BAD_USER_INPUT, the message starting with the argument. */
export async function checkBadInput(ctx: CheckContext): Promise<void> {
  const cases: Array<{ variables: Record<string, unknown>; argument: string }> = [
    { variables: { first: -1 }, argument: 'first' },
    { variables: { first: 101 }, argument: 'first' },
    { variables: { first: 5, after: 'not a cursor!' }, argument: 'after' },
    { variables: { first: 5, after: Buffer.from('{"sort":1}').toString('base64url') }, argument: 'after' },
    {
      variables: { first: 5, after: Buffer.from(JSON.stringify(['UPDATED_DESC', 'yesterday', `${ctx.exchangeId}:x`])).toString('base64url') },
      argument: 'after',
    },
  ];
  for (const { variables, argument } of cases) {
    const answer = await ctx.client.query(QUERY, variables);
    const error = answer.errors?.[0];
    const asked = `datasets(${Object.entries(variables)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(', ')})`;
    if (!error) ctx.fail(`${asked} answered data, expected a BAD_USER_INPUT error`);
    if (error.extensions?.code !== 'BAD_USER_INPUT')
      ctx.fail(`${asked}: error code ${error.extensions?.code ?? 'none'} (${error.message}), expected BAD_USER_INPUT`);
    if (!error.message.startsWith(argument)) ctx.fail(`${asked}: the message "${error.message}" does not start with the argument, ${argument}`);
  }
}
