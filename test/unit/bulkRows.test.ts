import { describe, it, expect } from 'vitest';
import { readRowPage, type RowPageRequest } from '../../gateway/src/exports/bulkRows.ts';

// The gateway's check of one datasetRows page (docs/contract.md#bulk-rows). Pages are written here by
// hand, in the contract's column order, not with the exchange's code.

const COLUMNS =
  'key,id,productCode,title,titleZh,description,descriptionZh,type,category,keywords,providerUscc,securityLevel,personalInfo,containsMinorsData,dataOrigin,delivery,updateFrequency,spatialCoverage,priceModel,priceAmount,priceCurrency,complianceAssessed,listedAt,updatedAt'.split(
    ',',
  );

function row(key: number | string, id: string, overrides: Record<number, unknown> = {}): unknown[] {
  const values: unknown[] = [
    key,
    id,
    'P-1',
    'Title',
    '标题',
    'Text',
    '文本',
    'DATASET',
    'FINANCE',
    ['a', '甲'],
    '91110000X',
    'GENERAL',
    'NONE',
    false,
    'PUBLIC',
    'FILE',
    'MONTHLY',
    ['110000'],
    'PER_CALL',
    '1.50',
    'CNY',
    true,
    '2024-01-01T00:00:00.000Z',
    '2024-02-01T00:00:00.000Z',
  ];
  for (const [at, value] of Object.entries(overrides)) values[Number(at)] = value;
  return values;
}

const cursor = (sort: string, key: number | string, id: string) => Buffer.from(JSON.stringify([sort, key, id])).toString('base64url');

function page(rows: unknown[][], sort = 'PRICE_ASC', extra: Record<string, unknown> = {}) {
  const last = rows.at(-1) as [number | string, string] | undefined;
  return { columns: COLUMNS, rows: JSON.stringify(rows), hasNextPage: false, endCursor: last ? cursor(sort, last[0], last[1]) : null, ...extra };
}

const request: RowPageRequest = { exchange: 'sh', sort: 'PRICE_ASC', after: null, first: 10 };

describe('readRowPage', () => {
  it('reads rows in the order of the sort, ties broken by id, as the export listings', () => {
    const read = readRowPage(page([row(0, 'sh:ds-2'), row(0, 'sh:ds-3'), row(1500000, 'sh:ds-1')]), request);
    if (typeof read === 'string') throw new Error(read);
    expect(read.rows.map((r) => [r.key, r.id])).toEqual([
      [0, 'sh:ds-2'],
      [0, 'sh:ds-3'],
      [1500000, 'sh:ds-1'],
    ]);
    expect(read.rows[0].node).toMatchObject({
      id: 'sh:ds-2',
      titleZh: '标题',
      keywords: ['a', '甲'],
      provider: { uscc: '91110000X' },
      price: { model: 'PER_CALL', amount: '1.50', currency: 'CNY' },
    });
  });

  it('reads a descending order, and an empty last page', () => {
    const sort = 'UPDATED_DESC';
    const read = readRowPage(page([row(20, 'sh:b'), row(20, 'sh:a'), row(10, 'sh:c')], sort), { ...request, sort });
    expect(typeof read).not.toBe('string');
    expect(readRowPage(page([], sort), { ...request, sort })).toEqual({ rows: [], hasNextPage: false, endCursor: null });
  });

  const bad: Array<[string, unknown, string]> = [
    ['rows out of order', page([row(5, 'sh:a'), row(4, 'sh:b')]), 'row 1 (sh:b) is not after sh:a'],
    ['a tie ordered by id the wrong way', page([row(5, 'sh:b'), row(5, 'sh:a')]), 'row 1 (sh:a) is not after sh:b'],
    ['the same row twice', page([row(5, 'sh:a'), row(5, 'sh:a')]), 'row 1 (sh:a) is not after sh:a'],
    ['an id of another exchange', page([row(5, 'bj:a')]), 'row 0 id: not an id of exchange sh'],
    ['a key of the wrong type', page([row('5', 'sh:a')]), 'row 0 key: not a finite number'],
    ['an unknown enum value', page([row(5, 'sh:a', { 8: 'NOPE' })]), 'row 0 category: not a value of its enum'],
    ['a boolean as a number', page([row(5, 'sh:a', { 13: 1 })]), 'row 0 containsMinorsData: not a boolean'],
    ['a list that is not of strings', page([row(5, 'sh:a', { 9: [1] })]), 'row 0 keywords: not a list of strings'],
    ['a row too short', page([row(5, 'sh:a').slice(0, 23)]), 'row 0 is not an array of 24 values'],
    ['other columns', { ...page([row(5, 'sh:a')]), columns: COLUMNS.slice(1) }, 'columns are not key,id,'],
    ['rows that are not JSON', { ...page([]), rows: '[[' }, 'rows is not JSON'],
    [
      'an endCursor that is not the last row',
      { ...page([row(5, 'sh:a'), row(6, 'sh:b')]), endCursor: cursor('PRICE_ASC', 5, 'sh:a') },
      "endCursor is not the last row's position",
    ],
    [
      'more rows than asked for',
      page(Array.from({ length: 11 }, (_, i) => row(i, `sh:${String(i).padStart(2, '0')}`))),
      'rows holds 11 rows, more than the 10 asked for',
    ],
  ];
  it.each(bad)('refuses %s', (_what, value, problem) => {
    const read = readRowPage(value, request);
    expect(typeof read).toBe('string');
    expect(read as string).toContain(problem);
  });

  it('refuses a first row that is not after the cursor asked for', () => {
    const read = readRowPage(page([row(5, 'sh:a')]), { ...request, after: { key: 5, id: 'sh:a' } });
    expect(read).toBe('row 0 (sh:a) is not after sh:a in the order of PRICE_ASC');
  });
});
