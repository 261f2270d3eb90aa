/**
 * The prefix of every alias and variable the shard router adds to a fetch (and strips from the answer).
 * A module of its own so that shardPlan.ts and the plan's helpers (productsPlan.ts) share it without
 * importing each other.
 */
export const HIDDEN_PREFIX = '_sr0_';
