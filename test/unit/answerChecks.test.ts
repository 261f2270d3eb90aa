import { describe, it, expect } from 'vitest';
import { connectionProblem, statsProblem, findAnswerProblem, stripHidden, MAX_ANSWER_DEPTH } from '../../gateway/src/shards/answerChecks.ts';
import { HIDDEN, HIDDEN_PREFIX, type Shape } from '../../gateway/src/shards/shardPlan.ts';
import { cursorText, sketchJson } from '../helpers/reference.ts';

// Answers are written here as an exchange would send them (cursors in their documented form); each
// check must name the kind of lie and, for another exchange's ids, that exchange, and nothing else.

const SHAPE: Shape = new Map([['totalCount', { field: 'totalCount' }]]);
const page = { first: 3, sort: 'PRICE_ASC' as const };
const edge = (key: number, id: string, sort: string = 'PRICE_ASC') => ({ cursor: cursorText(sort as 'PRICE_ASC', key, id) });
const connection = (edges: unknown[], extra: Record<string, unknown> = {}) => ({
  [HIDDEN.edges]: edges,
  [HIDDEN.info]: { hasNextPage: false },
  totalCount: 3,
  ...extra,
});

describe('answer checks: a connection', () => {
  it('accepts edges of the exchange, in order, no more than asked', () => {
    expect(connectionProblem(connection([edge(100, 'sh:ds-2'), edge(100, 'sh:ds-3'), edge(250, 'sh:ds-1')]), page, SHAPE, 'sh')).toBeNull();
  });

  const lies: Array<[string, unknown, string]> = [
    ['no connection', [1, 2], 'is not a connection'],
    ['no edges', { totalCount: 1 }, 'has no edges'],
    ['more edges than asked', connection([edge(1, 'sh:a'), edge(2, 'sh:b'), edge(3, 'sh:c'), edge(4, 'sh:d')]), 'returned 4 edges for first: 3'],
    ['edges out of order', connection([edge(200, 'sh:a'), edge(100, 'sh:b')]), 'returned edges out of order'],
    ['the same edge twice', connection([edge(100, 'sh:a'), edge(100, 'sh:a')]), 'returned edges out of order'],
    ["another exchange's ids", connection([edge(1, 'gy:ds-9')]), 'returned ids of another exchange (gy)'],
    ['ids without a prefix', connection([edge(1, 'ds-9')]), 'returned ids without its prefix "sh:"'],
    ['a cursor of another sort', connection([edge(1, 'sh:a', 'PRICE_DESC')]), 'returned a cursor of another sort'],
    ['a cursor that is not one', connection([{ cursor: 'not base64 json' }]), 'returned a cursor that is not a cursor'],
    ['a negative totalCount', connection([], { totalCount: -1 }), 'returned a totalCount that is not a count'],
    ['a fractional totalCount', connection([], { totalCount: 1.5 }), 'returned a totalCount that is not a count'],
  ];
  for (const [what, value, problem] of lies) {
    it(`refuses ${what}: "${problem}"`, () => {
      expect(connectionProblem(value, page, SHAPE, 'sh')).toBe(problem);
    });
  }

  it("does not repeat the exchange's own text: a foreign id of no exchange code is not echoed", () => {
    const problem = connectionProblem(connection([edge(1, '<script>:x')]), page, SHAPE, 'sh');
    expect(problem).toBe('returned ids without its prefix "sh:"');
  });
});

describe('answer checks: statistics', () => {
  const bucket = (extra: Record<string, unknown> = {}) => ({
    [HIDDEN.stats.key]: 'sh',
    [HIDDEN.stats.count]: 2,
    [HIDDEN.stats.pricedCount]: 1,
    [HIDDEN.stats.min]: '1.00',
    [HIDDEN.stats.max]: '1.00',
    ...extra,
  });

  it('accepts buckets with counts and decimal amounts, and a null bucket', () => {
    expect(statsProblem([bucket(), null], 'EXCHANGE', 'sh')).toBeNull();
    expect(statsProblem([bucket({ [HIDDEN.stats.min]: null, [HIDDEN.stats.max]: null })], 'CATEGORY', 'sh')).toBeNull();
  });

  const lies: Array<[string, unknown, string, string]> = [
    ['no list', { a: 1 }, 'CATEGORY', 'is not a list'],
    ['a negative count', [bucket({ [HIDDEN.stats.count]: -2 })], 'CATEGORY', 'returned a count that is not a count'],
    ['a pricedCount that is text', [bucket({ [HIDDEN.stats.pricedCount]: '1' })], 'CATEGORY', 'returned a pricedCount that is not a count'],
    ['a min that is a number', [bucket({ [HIDDEN.stats.min]: 1 })], 'CATEGORY', 'returned a min that is not a decimal string'],
    ['a max with an exponent', [bucket({ [HIDDEN.stats.max]: '1e3' })], 'CATEGORY', 'returned a max that is not a decimal string'],
    ["another exchange's bucket by EXCHANGE", [bucket({ [HIDDEN.stats.key]: 'gy' })], 'EXCHANGE', 'returned statistics of another exchange (gy)'],
    ['a bucket keyed by no exchange code', [bucket({ [HIDDEN.stats.key]: 'NOT AN ID' })], 'EXCHANGE', 'returned statistics of another exchange'],
  ];
  for (const [what, value, groupBy, problem] of lies) {
    it(`refuses ${what}: "${problem}"`, () => {
      expect(statsProblem(value, groupBy, 'sh')).toBe(problem);
    });
  }
});

describe('answer checks: a whole answer', () => {
  const good = () => ({
    datasets: { ...connection([edge(1, 'sh:a')]), edges: [{ node: { [HIDDEN.id]: 'sh:a' } }] },
    dataset: { [HIDDEN.id]: 'sh:b', provider: { name: 'x' } },
    priceStats: [{ [HIDDEN.stats.key]: 'TELECOM', [HIDDEN.stats.count]: 1, [HIDDEN.stats.sketch]: sketchJson([1_000_000]) }],
  });

  it("accepts an answer whose every id and cursor bears the exchange's prefix", () => {
    expect(findAnswerProblem(good(), 'sh', new Set(['edges']))).toBeNull();
  });

  it("finds another exchange's id anywhere, however deep", () => {
    const answer: any = good();
    answer.dataset.provider.datasets = [{ [HIDDEN.id]: 'gy:z' }];
    expect(findAnswerProblem(answer, 'sh', new Set())).toBe('returned ids of another exchange (gy)');
  });

  it("finds another exchange's cursor", () => {
    const answer: any = good();
    answer.datasets[HIDDEN.edges] = [edge(1, 'bj:a')];
    expect(findAnswerProblem(answer, 'sh', new Set())).toBe('returned cursors of another exchange (bj)');
  });

  it('refuses a list out of line with its cursors', () => {
    const answer: any = good();
    answer.datasets.edges.push({ node: { [HIDDEN.id]: 'sh:c' } });
    expect(findAnswerProblem(answer, 'sh', new Set(['edges']))).toBe('returned edges out of line with its cursors');
  });

  it('refuses a connection without pageInfo', () => {
    const answer: any = good();
    delete answer.datasets[HIDDEN.info];
    expect(findAnswerProblem(answer, 'sh', new Set())).toBe('returned a connection without pageInfo');
  });

  it('refuses a statistics bucket with a bad sketch or without its key', () => {
    const bad: any = good();
    bad.priceStats[0][HIDDEN.stats.sketch] = '{"v":2}';
    expect(findAnswerProblem(bad, 'sh', new Set())).toBe('returned a statistics bucket with a bad sketch');
    const keyless: any = good();
    delete keyless.priceStats[0][HIDDEN.stats.key];
    expect(findAnswerProblem(keyless, 'sh', new Set())).toBe('returned a statistics bucket without key or count');
  });

  it(`refuses JSON nested deeper than ${MAX_ANSWER_DEPTH} levels, and accepts it at that depth`, () => {
    const nest = (levels: number) => {
      let value: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < levels; i++) value = { next: value };
      return value;
    };
    expect(findAnswerProblem(nest(MAX_ANSWER_DEPTH), 'sh', new Set())).toBeNull();
    expect(findAnswerProblem(nest(MAX_ANSWER_DEPTH + 1), 'sh', new Set())).toBe(`answered JSON nested deeper than ${MAX_ANSWER_DEPTH} levels`);
  });
});

describe('stripHidden', () => {
  it('removes every hidden field, in objects and lists, and keeps the rest', () => {
    const answer: any = { a: 1, [`${HIDDEN_PREFIX}x`]: 2, list: [{ [HIDDEN.id]: 'sh:a', b: [{ [HIDDEN.edges]: [], c: 3 }] }] };
    stripHidden(answer);
    expect(answer).toEqual({ a: 1, list: [{ b: [{ c: 3 }] }] });
  });
});
