import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Supergraph } from '@apollo/federation-internals';
import {
  GraphQLSchema,
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  parse,
  printSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from 'graphql';
import { codegen } from '@graphql-codegen/core';
import * as typescriptOperationsPlugin from '@graphql-codegen/typescript-operations';
import * as typedDocumentNodePlugin from '@graphql-codegen/typed-document-node';
import ts from 'typescript';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { REPO_ROOT } from '../../devkit/processes.ts';
import { dataOf, graphql } from '../helpers/graphql.ts';

// GET /schema.graphql as a client's tooling uses it: the SDL a code generator reads, revalidated by ETag,
// and GraphQL Code Generator run on it (typescript-operations and typed-document-node, called programmatically) over
// the example operations of docs/codegen.md, its output compiled by the TypeScript compiler.

const EXAMPLE_OPERATIONS = join(REPO_ROOT, 'examples/codegen/catalog.graphql');
const SUPERGRAPH_FILE = join(REPO_ROOT, 'schema/supergraph.graphql');

let stack: Stack;
let schemaUrl = '';

beforeAll(async () => {
  // A generous exchange timeout: on a loaded machine a configured exchange whose start-up check times out is left out.
  stack = await startStack({ perExchange: 20, proxies: false, exchangeTimeoutMs: 10_000 });
  schemaUrl = `${stack.gatewayBase}/schema.graphql`;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function fetchSchema(headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; sdl: string }> {
  const response = await fetch(schemaUrl, { headers });
  return { status: response.status, headers: response.headers, sdl: await response.text() };
}

describe('GET /schema.graphql', () => {
  it('serves the API schema of the checked-in supergraph: no @inaccessible fields, no federation internals', async () => {
    const { status, headers, sdl } = await fetchSchema();
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/plain; charset=utf-8');
    // The reference: the API schema derived from schema/supergraph.graphql by Apollo's own federation library.
    const supergraphSdl = readFileSync(SUPERGRAPH_FILE, 'utf8');
    // The gateway adds one type of its own beside the supergraph: Subscription (live prices, served by the
    // gateway itself, docs/live-prices.md). Without it, the served schema is exactly the supergraph's API schema.
    const servedSchema = buildSchema(sdl);
    expect(Object.keys(servedSchema.getSubscriptionType()?.getFields() ?? {})).toEqual(['priceChanged']);
    const config = servedSchema.toConfig();
    const withoutSubscription = new GraphQLSchema({ ...config, subscription: undefined, types: config.types.filter((t) => t.name !== 'Subscription') });
    expect(printSchema(withoutSubscription)).toBe(printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema()));
    // The supergraph has fields clients cannot query, and the served schema has none of them.
    expect(supergraphSdl).toMatch(/sketch: String! @inaccessible/);
    const served = buildSchema(sdl);
    expect(Object.keys((served.getType('PriceStatsBucket') as any).getFields())).not.toContain('sketch');
    expect(Object.keys(served.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['datasets', 'exchanges', 'priceStatistics']));
    for (const internal of ['@inaccessible', '@join__', 'join__', 'link__', '@link', '_entities', '_Service', '_Any']) expect(sdl).not.toContain(internal);
  });

  it('is what introspection shows: introspection stays on, and both describe the same schema', async () => {
    const introspection = dataOf(await graphql<IntrospectionQuery>(stack.gatewayUrl, getIntrospectionQuery()));
    const { sdl } = await fetchSchema();
    expect(printSchema(buildClientSchema(introspection))).toBe(printSchema(buildSchema(sdl)));
  });

  it('carries a strong ETag, the hash of the SDL, and answers If-None-Match with 304 and no body', async () => {
    const { headers, sdl } = await fetchSchema();
    const etag = headers.get('etag')!;
    expect(etag).toBe(`"${createHash('sha256').update(sdl).digest('base64url')}"`);
    expect(headers.get('cache-control')).toBe('no-cache');
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await fetchSchema({ 'if-none-match': ifNoneMatch });
      expect(again.status, ifNoneMatch).toBe(304);
      expect(again.sdl).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
    }
    expect((await fetchSchema({ 'if-none-match': '"an-older-schema"' })).status).toBe(200);
  });

  it('answers browsers on other origins (a public route, with CORS)', async () => {
    const { headers } = await fetchSchema({ origin: 'http://dashboard.example' });
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(headers.get('access-control-expose-headers')?.split(', ')).toContain('etag');
  });
});

describe('GraphQL Code Generator on /schema.graphql (docs/codegen.md)', () => {
  it('runs the example operations against the gateway without errors', async () => {
    const document = parse(readFileSync(EXAMPLE_OPERATIONS, 'utf8'));
    const names = document.definitions.map((d) => (d as OperationDefinitionNode).name!.value);
    expect(names).toEqual(['CatalogPage', 'Exchanges']);
    for (const operationName of names) {
      const response = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: readFileSync(EXAMPLE_OPERATIONS, 'utf8'), operationName, variables: { first: 2 } }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
      expect(body.errors, operationName).toBeUndefined();
      expect(body.data, operationName).toBeTruthy();
    }
  });

  it('generates typed documents from the served SDL that the TypeScript compiler accepts, and whose types catch misuse', async () => {
    const { sdl } = await fetchSchema();
    const generated = await codegen({
      filename: 'catalog.generated.ts',
      schema: parse(sdl),
      documents: [{ location: EXAMPLE_OPERATIONS, document: parse(readFileSync(EXAMPLE_OPERATIONS, 'utf8')) }],
      // As in docs/codegen.md: Decimal and DateTime travel as strings ("12.50", ISO 8601).
      config: { scalars: { Decimal: 'string', DateTime: 'string' }, enumsAsTypes: true, useTypeImports: true },
      plugins: [{ typescriptOperations: {} }, { typedDocumentNode: {} }],
      pluginMap: { typescriptOperations: typescriptOperationsPlugin, typedDocumentNode: typedDocumentNodePlugin },
    });
    expect(generated).toContain('export type CatalogPageQuery = {');
    expect(generated).toContain('export type CatalogPageQueryVariables = Exact<{');
    expect(generated).toMatch(/export const CatalogPageDocument = .* as unknown as DocumentNode<CatalogPageQuery, CatalogPageQueryVariables>;/);
    expect(generated).toMatch(
      /export type ExchangesQuery = \{ exchanges: Array<\{ id: string, name: string, nameZh: string, city: string, status: ExchangeStatus, datasetCount: number \| null \} \| null> \};/,
    );
    const sortType = /export type DatasetSort =([\s\S]*?');\n/.exec(generated)?.[1] ?? '';
    expect([...sortType.matchAll(/\| '([A-Z_]+)'/g)].map((m) => m[1])).toEqual(['UPDATED_DESC', 'PRICE_ASC', 'PRICE_DESC', 'TITLE_ASC', 'RELEVANCE']);
    expect(generated).not.toContain('sketch');

    // Client code written against the generated types: one file that must compile, and one whose every
    // line is a mistake the types must catch (so a check that accepts anything would fail here).
    const client = `import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { CatalogPageDocument, ExchangesDocument, type CatalogPageQuery } from './catalog.generated.ts';
declare function request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult>;
export async function cheapest(): Promise<string[]> {
  const page: CatalogPageQuery = await request(CatalogPageDocument, { filter: { text: '疫苗', minPrice: '10.00' }, sort: 'PRICE_ASC', first: 5 });
  const total: number = page.datasets.totalCount;
  const amounts: Array<string | null> = page.datasets.nodes.map((node) => node?.price.amount ?? null);
  const exchanges = await request(ExchangesDocument, {});
  return [String(total), ...amounts.map(String), ...exchanges.exchanges.map((e) => e?.nameZh ?? '')];
}
`;
    const misuse = [
      `await request(CatalogPageDocument, { sort: 'CHEAPEST' });`,
      `await request(CatalogPageDocument, { first: 'five' });`,
      `const title: number = (await request(CatalogPageDocument, {})).datasets.nodes[0]!.title;`,
      `(await request(CatalogPageDocument, {})).datasets.nodes[0]!.sketch;`,
      `(await request(ExchangesDocument, {})).exchanges[0]!.status === 'SLEEPING';`,
    ];
    const misuseFile = `import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { CatalogPageDocument, ExchangesDocument } from './catalog.generated.ts';
declare function request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult>;
export async function mistakes(): Promise<void> {
${misuse.map((line) => `  ${line}`).join('\n')}
}
`;
    // Under the repository's node_modules, so the generated imports resolve as they would in an app.
    const cacheDir = join(REPO_ROOT, 'node_modules', '.cache');
    mkdirSync(cacheDir, { recursive: true });
    const dir = mkdtempSync(join(cacheDir, 'codegen-test-'));
    try {
      writeFileSync(join(dir, 'catalog.generated.ts'), generated);
      writeFileSync(join(dir, 'client.ts'), client);
      writeFileSync(join(dir, 'misuse.ts'), misuseFile);
      const diagnosticsOf = (file: string) => {
        const program = ts.createProgram([join(dir, file)], {
          strict: true,
          noEmit: true,
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: [],
        });
        return ts.getPreEmitDiagnostics(program).map((d) => ({
          file: d.file?.fileName.slice(dir.length + 1),
          line: d.file ? d.file.getLineAndCharacterOfPosition(d.start!).line + 1 : 0,
          text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        }));
      };
      expect(diagnosticsOf('client.ts')).toEqual([]);
      const caught = diagnosticsOf('misuse.ts');
      expect(
        caught.every((d) => d.file === 'misuse.ts'),
        JSON.stringify(caught),
      ).toBe(true);
      // One error on each line of misuse, and none elsewhere (the first misuse line is line 5).
      expect([...new Set(caught.map((d) => d.line))], JSON.stringify(caught)).toEqual(misuse.map((_, i) => i + 5));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
