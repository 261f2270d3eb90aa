import { describe, it, expect } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodePage, writeRows } from '../../gateway/src/exports/encodedRows.ts';
import { csvFormat, ndjsonFormat } from '../../gateway/src/exports/tableFormats.ts';
import type { ExportNode, PositionedNode } from '../../gateway/src/exports/ExchangePages.ts';
import type { ProviderFacts } from '../../gateway/src/exports/ProviderNames.ts';

// A merged export's pages written as bytes on arrival (encodedRows.ts): the lines they give, and what they
// keep on the JavaScript heap. Expected lines are written here by hand.

function listing(n: number, overrides: Partial<ExportNode> = {}): ExportNode {
  return {
    id: `sh:ds-${n}`,
    productCode: `P-${n}`,
    title: `Title ${n}`,
    titleZh: `标题${n}`,
    description: 'Text',
    descriptionZh: '文本',
    type: 'DATASET',
    category: 'FINANCE',
    keywords: ['a', '甲'],
    securityLevel: 'GENERAL',
    personalInfo: 'NONE',
    containsMinorsData: false,
    dataOrigin: 'PUBLIC',
    delivery: 'FILE',
    updateFrequency: 'MONTHLY',
    spatialCoverage: ['110000', '310000'],
    complianceAssessed: true,
    listedAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-02-01T00:00:00.000Z',
    price: { model: 'PER_CALL', amount: '1.50', currency: 'CNY' },
    provider: { uscc: '91110000X' },
    ...overrides,
  };
}

const positioned = (node: ExportNode, key = 0): PositionedNode => ({ key, id: node.id, node, index: 0 });
const providers = new Map<string, ProviderFacts>([['91110000X', { name: 'Acme, Inc.', nameZh: '阿克米', kind: 'ENTERPRISE' }]]);
const csvEncoder = csvFormat.encoder!;
const ndjsonEncoder = ndjsonFormat.encoder!;

const CSV_1 =
  'sh:ds-1,sh,P-1,Title 1,标题1,Text,文本,DATASET,FINANCE,a;甲,91110000X,"Acme, Inc.",阿克米,ENTERPRISE,GENERAL,NONE,false,PUBLIC,FILE,MONTHLY,110000;310000,PER_CALL,1.50,CNY,true,2024-01-01T00:00:00.000Z,2024-02-01T00:00:00.000Z\r\n';
const CSV_2 =
  'sh:ds-2,sh,P-2,"He said ""hi""",标题2,"a,b",文本,DATASET,FINANCE,a;甲,,,,,GENERAL,NONE,false,PUBLIC,FILE,MONTHLY,110000;310000,NEGOTIABLE,,CNY,true,2024-01-01T00:00:00.000Z,2024-02-01T00:00:00.000Z\r\n';
const tricky = () => listing(2, { title: 'He said "hi"', description: 'a,b', provider: null, price: { model: 'NEGOTIABLE', amount: null, currency: 'CNY' } });

describe('encodePage and writeRows', () => {
  it('writes a page as bytes on arrival, its rows holding no listing, and gives the CSV lines with each provider between head and tail', () => {
    const rows = encodePage([positioned(listing(1)), positioned(tricky())], csvEncoder);
    expect(rows.length).toBe(2);
    for (const row of rows) expect(row.node).toBeNull();
    expect(rows.map((r) => r.id)).toEqual(['sh:ds-1', 'sh:ds-2']);
    expect(writeRows(rows, providers, csvEncoder).toString('utf8')).toBe(CSV_1 + CSV_2);
  });

  it('writes rows of two pages and a row still holding its listing in the order given', () => {
    const first = encodePage([positioned(listing(1))], csvEncoder);
    const second = encodePage([positioned(tricky())], csvEncoder);
    const loose = positioned(listing(1));
    expect(writeRows([second[0], first[0], loose], providers, csvEncoder).toString('utf8')).toBe(CSV_2 + CSV_1 + CSV_1);
  });

  it('gives NDJSON objects with the columns in order, the provider in its place, null for what is absent', () => {
    const rows = encodePage([positioned(listing(1)), positioned(tricky())], ndjsonEncoder);
    const lines = writeRows(rows, providers, ndjsonEncoder).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(2);
    const common = {
      type: 'DATASET',
      category: 'FINANCE',
      keywords: ['a', '甲'],
    };
    const rules = {
      securityLevel: 'GENERAL',
      personalInfo: 'NONE',
      containsMinorsData: false,
      dataOrigin: 'PUBLIC',
      delivery: 'FILE',
      updateFrequency: 'MONTHLY',
      spatialCoverage: ['110000', '310000'],
    };
    const dates = { complianceAssessed: true, listedAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-02-01T00:00:00.000Z' };
    // Compared as text: the keys' order is part of the format.
    expect(lines[0]).toBe(
      JSON.stringify({
        id: 'sh:ds-1',
        exchange: 'sh',
        productCode: 'P-1',
        title: 'Title 1',
        titleZh: '标题1',
        description: 'Text',
        descriptionZh: '文本',
        ...common,
        providerUscc: '91110000X',
        providerName: 'Acme, Inc.',
        providerNameZh: '阿克米',
        providerKind: 'ENTERPRISE',
        ...rules,
        priceModel: 'PER_CALL',
        priceAmount: '1.50',
        priceCurrency: 'CNY',
        ...dates,
      }),
    );
    expect(lines[1]).toBe(
      JSON.stringify({
        id: 'sh:ds-2',
        exchange: 'sh',
        productCode: 'P-2',
        title: 'He said "hi"',
        titleZh: '标题2',
        description: 'a,b',
        descriptionZh: '文本',
        ...common,
        providerUscc: null,
        providerName: null,
        providerNameZh: null,
        providerKind: null,
        ...rules,
        priceModel: 'NEGOTIABLE',
        priceAmount: null,
        priceCurrency: 'CNY',
        ...dates,
      }),
    );
  });

  it('keeps less than a quarter of the heap the listings of the same pages would keep', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const long = '数据产品说明，'.repeat(60);
    // 20 pages of 500 listings of about 1 KB each, as an export has in hand at most with 10 exchanges.
    const pages = () =>
      Array.from({ length: 20 }, (_, p) =>
        Array.from({ length: 500 }, (_, i) => {
          const n = p * 500 + i;
          // Flat strings of their own, as JSON.parse gives them (a template literal would share `long`).
          const [description, descriptionZh] = JSON.parse(JSON.stringify([`${long}${n}`, `${n}${long}`])) as [string, string];
          return positioned(listing(n, { description, descriptionZh }), n);
        }),
      );
    const heldBy = (make: () => unknown[]): number => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const held = make();
      gc();
      const after = process.memoryUsage().heapUsed;
      expect(held.length).toBe(20);
      return after - before;
    };
    const listings = heldBy(pages);
    const encoded = heldBy(() => pages().map((page) => encodePage(page, csvEncoder)));
    expect(listings).toBeGreaterThan(10_000 * 1000);
    expect(encoded).toBeLessThan(listings / 4);
  });
});
