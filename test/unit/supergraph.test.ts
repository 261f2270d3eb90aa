import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { composeSupergraph, SUPERGRAPH_PATH } from '../../gateway/src/supergraph/composeSupergraph.ts';
import { parse } from 'graphql';
import { planShardFetch } from '../../gateway/src/shards/shardPlan.ts';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { typeDefs } from '../../subgraphs/exchange/schema.ts';
import { CATEGORIES, PRICING_MODELS, PROVIDER_KINDS, SECURITY_LEVELS, DATASET_SORTS, STATS_GROUPS } from '../../shared/domain.ts';

describe('supergraph', () => {
  it('matches the checked-in schema/supergraph.graphql (run `npm run compose` after changing a schema)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('keeps the sketch out of the public API', () => {
    const sdl = composeSupergraph();
    expect(sdl).toMatch(/sketch: String! @inaccessible/);
  });

  it('has the enum values of DOMAIN.md in the contract', () => {
    const sdl = readFileSync(new URL('../../schema/exchange.graphql', import.meta.url), 'utf8');
    for (const values of [CATEGORIES, PRICING_MODELS, PROVIDER_KINDS, SECURITY_LEVELS, DATASET_SORTS, STATS_GROUPS]) {
      for (const value of values) expect(sdl).toContain(value);
    }
  });
});

describe('shard plan', () => {
  const schema = buildSubgraphSchema([{ typeDefs }]);

  it('adds hidden cursors to connections and ids to datasets, and keeps client aliases', () => {
    const plan = planShardFetch(parse('{ a: datasets(first: 2) { nodes { title } } }'), schema);
    expect(plan.query).toContain('_sr0_edges: edges');
    expect(plan.query).toContain('_sr0_id: id');
    // The page arguments travel as hidden variables, so each exchange can be asked for its own page size.
    expect(plan.query).toContain('query ($_sr0_first_a: Int, $_sr0_after_a: String)');
    expect(plan.query).toContain('a: datasets(first: $_sr0_first_a, after: $_sr0_after_a)');
    expect(plan.rootFields[0]).toMatchObject({
      responseKey: 'a',
      fieldName: 'datasets',
      paged: { firstVariable: '_sr0_first_a', afterVariable: '_sr0_after_a' },
    });
  });

  it('lifts nested Provider.datasets out of a fetch so they fan out', () => {
    const plan = planShardFetch(parse('query($n: Int) { datasets { nodes { provider { uscc datasets(first: $n) { totalCount } } } } }'), schema);
    expect(plan.query).not.toMatch(/provider \{[^}]*datasets/);
    expect(plan.lifts).toHaveLength(1);
    expect(plan.lifts[0].path).toEqual(['datasets', 'nodes', 'provider']);
    expect(plan.lifts[0].operation).toContain('$n: Int');
    expect(plan.lifts[0].operation).toContain('... on Provider { datasets(first: $n)');
  });

  it('inlines fragments before planning', () => {
    const plan = planShardFetch(parse('fragment F on DatasetConnection { totalCount } { datasets { ...F } }'), schema);
    expect(plan.query).not.toContain('...F');
    expect([...plan.rootFields[0].shape!.keys()]).toEqual(['totalCount']);
  });
});
