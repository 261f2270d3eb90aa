import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import jsonld from 'jsonld';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';

// GET /export/catalog.jsonld against real processes, read with the `jsonld` library. Nothing is fetched:
// the context is inline and the document loader refuses every URL. What DCAT-AP 3 marks mandatory, per
// class: Catalogue dct:description, dct:publisher, dct:title, dcat:dataset; Dataset dct:description,
// dct:title; Data Service dct:title, dcat:endpointURL.

const PER_EXCHANGE = 40;
const CODES = DEFAULT_EXCHANGES.map((e) => e.id);
const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const FOAF = 'http://xmlns.com/foaf/0.1/';
const ODRL = 'http://www.w3.org/ns/odrl/2/';
const RDF_TYPE = '@type';

let stack: Stack;
let document: Record<string, any>;
let nodes: Map<string, Record<string, any>>;

interface Row {
  id: string;
  exchange: string;
  type: string;
  provider_uscc: string;
  updated_at: string;
  price_micros: number | null;
  title: string;
  title_zh: string;
}
let rows: Row[] = [];

const refuseRemote = async (url: string) => {
  throw new Error(`the test loads no remote document, asked for ${url}`);
};

function readRows(exchange: string): Row[] {
  const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT id, type, provider_uscc, updated_at, price_micros, title, title_zh FROM datasets').all() as Row[]).map((r) => ({
      ...r,
      exchange,
    }));
  } finally {
    db.close();
  }
}

const typesOf = (node: Record<string, any>): string[] => node[RDF_TYPE] ?? [];
const ofType = (type: string) => [...nodes.values()].filter((n) => typesOf(n).includes(type));
const values = (node: Record<string, any>, property: string): Array<Record<string, any>> => node[property] ?? [];
const ref = (node: Record<string, any>, property: string) => nodes.get(values(node, property)[0]?.['@id'])!;

/** Every key of the compact document that is not a JSON-LD keyword, anywhere in it. */
function compactTerms(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => compactTerms(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '@context') continue;
      if (!key.startsWith('@')) found.add(key);
      compactTerms(inner, found);
    }
  }
  return found;
}

function expandedProperties(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => expandedProperties(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (!key.startsWith('@')) found.add(key);
      expandedProperties(inner, found);
    }
  }
  return found;
}

beforeAll(async () => {
  stack = await startStack({
    perExchange: PER_EXCHANGE,
    exchangeTimeoutMs: 10_000,
    gatewayEnv: { EXPORT_PAGE_SIZE: '9', REGISTRATION_CONFORMANCE_BUDGET_MS: '120000' },
  });
  rows = CODES.flatMap(readRows);
  // An export covers the registered exchanges: on a loaded machine a configured one can fail its start-up
  // check and stay out, and the expected rows would then be wrong for another reason than the export.
  const registered = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ exchanges { id } }' }),
  });
  expect(((await registered.json()) as any).data.exchanges.map((e: { id: string }) => e.id).sort()).toEqual([...CODES].sort());
  const response = await fetch(`${stack.gatewayBase}/export/catalog.jsonld`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/ld\+json/);
  document = JSON.parse(await response.text());
  // Without a context, flatten gives expanded nodes: every property an IRI, every value in an array.
  const flat = (await jsonld.flatten(document, null as never, { documentLoader: refuseRemote as never })) as unknown as Array<Record<string, any>>;
  nodes = new Map(flat.map((n) => [n['@id'], n]));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('GET /export/catalog.jsonld', () => {
  it('expands in safe mode (no term or value dropped) and every term of the document expands to an IRI', async () => {
    const expanded = await jsonld.expand(document, { documentLoader: refuseRemote as never, safe: true } as never);
    const context = document['@context'] as Record<string, string>;
    const terms = [...compactTerms(document)];
    expect(terms.length).toBeGreaterThan(10);
    const properties = expandedProperties(expanded);
    for (const term of terms) {
      const [prefix, local] = term.split(':');
      expect(context[prefix], `prefix of ${term}`).toBeTruthy();
      expect(properties.has(`${context[prefix]}${local}`), `${term} kept`).toBe(true);
    }
  });

  it('is a catalog of one sub-catalog per exchange, each with the DCAT-AP 3 mandatory properties', () => {
    const top = nodes.get(`${stack.gatewayBase}/export/catalog.jsonld`)!;
    const subCatalogs = values(top, `${DCAT}catalog`).map((v) => nodes.get(v['@id'])!);
    expect(subCatalogs.map((c) => values(c, `${DCT}identifier`)[0]['@value']).sort()).toEqual([...CODES].sort());
    const catalogs = ofType(`${DCAT}Catalog`);
    expect(catalogs.length).toBe(CODES.length + 1);
    for (const catalog of catalogs) {
      for (const property of [`${DCT}description`, `${DCT}publisher`, `${DCT}title`, `${DCAT}dataset`]) {
        expect(values(catalog, property).length, `${catalog['@id']} ${property}`).toBeGreaterThan(0);
      }
    }
  });

  it('lists every listing once, under its exchange, as a dcat:Dataset or, for API products, a dcat:DataService', () => {
    const listed = new Map<string, { exchange: string; via: string }>();
    for (const catalog of ofType(`${DCAT}Catalog`).filter((c) => values(c, `${DCAT}catalog`).length === 0)) {
      const exchange = values(catalog, `${DCT}identifier`)[0]['@value'];
      for (const via of [`${DCAT}dataset`, `${DCAT}service`]) {
        for (const item of values(catalog, via)) {
          const id = values(nodes.get(item['@id'])!, `${DCT}identifier`)[0]['@value'];
          expect(listed.has(id), `${id} listed twice`).toBe(false);
          listed.set(id, { exchange, via });
        }
      }
    }
    expect(rows.length).toBe(PER_EXCHANGE * CODES.length);
    expect(listed.size).toBe(rows.length);
    for (const row of rows) {
      expect(listed.get(row.id)).toEqual({ exchange: row.exchange, via: row.type === 'DATA_SERVICE' ? `${DCAT}service` : `${DCAT}dataset` });
    }
  });

  it('gives every dataset and service its mandatory properties, titles in zh and en, publisher USCC, modified time and price offer', () => {
    const stored = new Map(rows.map((r) => [r.id, r]));
    const items = [...ofType(`${DCAT}Dataset`).filter((n) => !typesOf(n).includes(`${DCAT}Catalog`)), ...ofType(`${DCAT}DataService`)];
    expect(items.length).toBe(rows.length);
    for (const item of items) {
      const row = stored.get(values(item, `${DCT}identifier`)[0]['@value'])!;
      const isService = typesOf(item).includes(`${DCAT}DataService`);
      expect(isService).toBe(row.type === 'DATA_SERVICE');
      const mandatory = isService ? [`${DCT}title`, `${DCAT}endpointURL`] : [`${DCT}title`, `${DCT}description`];
      for (const property of mandatory) expect(values(item, property).length, `${row.id} ${property}`).toBeGreaterThan(0);
      const titles = Object.fromEntries(values(item, `${DCT}title`).map((t) => [t['@language'], t['@value']]));
      expect(titles).toEqual({ en: row.title, zh: row.title_zh });
      expect(values(item, `${DCAT}keyword`).every((k) => k['@language'] === 'zh' || k['@language'] === 'en')).toBe(true);
      const publisher = ref(item, `${DCT}publisher`);
      expect(typesOf(publisher)).toContain(`${FOAF}Organization`);
      expect(values(publisher, `${DCT}identifier`)[0]['@value']).toBe(row.provider_uscc);
      expect(values(item, `${DCT}modified`)[0]['@value']).toBe(row.updated_at);
      const offer = ref(item, `${ODRL}hasPolicy`);
      expect(typesOf(offer)).toContain(`${ODRL}Offer`);
      const permission = ref(offer, `${ODRL}permission`);
      const duty = values(permission, `${ODRL}duty`)[0];
      if (row.price_micros === null) expect(duty).toBeUndefined();
      else {
        const constraint = ref(nodes.get(duty['@id'])!, `${ODRL}constraint`);
        expect(values(constraint, `${ODRL}leftOperand`)[0]['@id']).toBe(`${ODRL}payAmount`);
        expect(Math.round(Number(values(constraint, `${ODRL}rightOperand`)[0]['@value']) * 1e6)).toBe(row.price_micros);
      }
    }
  });
});
