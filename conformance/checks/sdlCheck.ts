import { checkContract } from '../contractCheck.ts';
import type { CheckContext } from '../CheckContext.ts';

/** `{ _service { sdl } }` implements the exchange contract (every type, field, argument, key). */
export async function checkSdl(ctx: CheckContext): Promise<void> {
  const data = await ctx.client.data<{ _service: { sdl: string } | null }>('{ _service { sdl } }');
  const sdl = data._service?.sdl;
  if (typeof sdl !== 'string' || sdl.trim() === '') ctx.fail('_service.sdl is empty');
  const problems = checkContract(sdl);
  if (problems.length > 0)
    ctx.fail(
      `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).join('; ')}${problems.length > 4 ? '; ...' : ''})` : ''}`,
    );
}

/** Every dataset id seen in the run (pages, walks, entities) starts with `<code>:`. */
export async function checkIdPrefix(ctx: CheckContext): Promise<void> {
  if (ctx.seenIds.length === 0) await ctx.sample();
  const prefix = `${ctx.exchangeId}:`;
  const bad = ctx.seenIds.find(({ id }) => typeof id !== 'string' || !id.startsWith(prefix) || id.length === prefix.length);
  if (bad) ctx.fail(`${JSON.stringify(bad.id)} (in ${bad.where}) does not start with "${prefix}"`);
}
