/**
 * A deliberately broken exchange for the conformance tests: a real HTTP server, run as its own process,
 * in front of a real exchange, that forwards every request and breaks one rule of the contract in the
 * answers (or, for `repeated-item`, in the cursor it forwards):
 *
 *   tsx test/services/FaultyExchange.ts --upstream http://127.0.0.1:4012/graphql --fault tie-order [--port 0]
 *
 * Logs {"msg":"faulty exchange ready","url":".../graphql"} when it listens. The faults are the ways an
 * exchange written in another stack goes wrong without failing the SDL check.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

export const FAULTS = [
  'tie-order',
  'repeated-item',
  'skipped-item',
  'unprefixed-id',
  'total-off-by-one',
  'stats-off',
  'entities-out-of-order',
  'bulk-title-mixed',
  'summary-empty-tokens',
  'summary-stale-cursors',
] as const;
export type Fault = (typeof FAULTS)[number];

type Json = any;

function decodeCursor(cursor: unknown): [string, number | string, string] | null {
  if (typeof cursor !== 'string') return null;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(value) && value.length === 3 && typeof value[2] === 'string' ? (value as [string, number | string, string]) : null;
  } catch {
    return null;
  }
}

function encodeCursor(value: [string, number | string, string]): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

const DESCENDING_SORTS = new Set(['UPDATED_DESC', 'PRICE_DESC']);

/**
 * repeated-item: moves `after` back just before the listing it names, so the next page starts with the
 * last listing of the page before (an exchange whose keyset comparison is inclusive).
 */
function rewriteRequest(fault: Fault, body: Json): Json {
  if (!body?.variables) return body;
  const hasCursor = Object.values(body.variables as Record<string, unknown>).some((v) => decodeCursor(v) !== null);
  // skipped-item: one more listing asked for after a cursor, and the first one dropped from the answer.
  if (fault === 'skipped-item' && hasCursor && typeof body.variables.first === 'number' && body.variables.first > 0)
    body.variables.first = Math.min(body.variables.first + 1, 100);
  if (fault !== 'repeated-item') return body;
  for (const [name, value] of Object.entries(body.variables as Record<string, unknown>)) {
    const cursor = decodeCursor(value);
    if (!cursor) continue;
    const [sort, key, id] = cursor;
    // Just before `id` in the sort's direction: descending continues below the id, so any id a little
    // greater includes it; ascending continues above, so a little less.
    const before = DESCENDING_SORTS.has(sort) ? `${id} ` : `${id.slice(0, -1)}${String.fromCharCode(id.charCodeAt(id.length - 1) - 1)}~`;
    body.variables[name] = encodeCursor([sort, key, before]);
  }
  return body;
}

function rewriteAnswer(fault: Fault, answer: Json, request: Json): Json {
  const data = answer?.data;
  if (!data || typeof data !== 'object') return answer;
  const connection = data.datasets;
  switch (fault) {
    case 'tie-order':
      // Runs of equal sort keys reversed within a page: ties broken by id the wrong way.
      if (connection?.edges?.length) {
        const edges = connection.edges as Array<{ cursor: string }>;
        const out: typeof edges = [];
        let run: typeof edges = [];
        const flush = () => {
          out.push(...run.reverse());
          run = [];
        };
        for (const edge of edges) {
          if (run.length > 0 && decodeCursor(run[0]?.cursor)?.[1] !== decodeCursor(edge?.cursor)?.[1]) flush();
          run.push(edge);
        }
        flush();
        connection.edges = out;
        if (connection.pageInfo && out.length) connection.pageInfo.endCursor = out[out.length - 1].cursor;
      }
      break;
    case 'skipped-item':
      // A page after a cursor loses its first listing (an exchange that skips one past the cursor).
      if (connection?.edges?.length > 0 && request?.variables?.first > 0 && Object.values(request.variables).some((v) => decodeCursor(v) !== null))
        connection.edges.shift();
      break;
    case 'unprefixed-id': {
      const node = connection?.edges?.[0]?.node;
      if (typeof node?.id === 'string') node.id = node.id.replace(/^[a-z]+:/, '');
      break;
    }
    case 'total-off-by-one':
      if (typeof connection?.totalCount === 'number') connection.totalCount += 1;
      break;
    case 'stats-off': {
      const bucket = Array.isArray(data.priceStats) ? data.priceStats.find((b: Json) => b && typeof b.count === 'number') : null;
      if (bucket) bucket.count += 1;
      break;
    }
    case 'entities-out-of-order':
      if (Array.isArray(data._entities)) data._entities.reverse();
      break;
    case 'bulk-title-mixed':
      // datasetRows gives the first row's Chinese title as its English one (columns 3 and 4).
      if (typeof data.datasetRows?.rows === 'string') {
        const rows = JSON.parse(data.datasetRows.rows) as unknown[][];
        if (rows.length > 0) rows[0][3] = rows[0][4];
        data.datasetRows.rows = JSON.stringify(rows);
      }
      break;
    case 'summary-empty-tokens':
      // The catalog summary's token filter with no bit set: it claims every USCC and term absent.
      if (typeof data.catalogSummary?.tokens?.base64 === 'string')
        data.catalogSummary.tokens.base64 = Buffer.alloc(Buffer.from(data.catalogSummary.tokens.base64, 'base64').length).toString('base64');
      break;
    case 'summary-stale-cursors':
      // The leading cursors of an older version: the newest listing is not among them.
      if (Array.isArray(data.catalogSummary?.firstCursors)) data.catalogSummary.firstCursors.shift();
      break;
  }
  return answer;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'content-encoding', 'keep-alive']);

export async function startFaultyExchange(options: { upstreamUrl: string; fault: Fault; port?: number }): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(options.upstreamUrl);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        let body = await readBody(req);
        const isGraphQL = req.method === 'POST' && req.url?.split('?')[0] === upstream.pathname;
        let request: Json = null;
        if (isGraphQL) {
          try {
            request = JSON.parse(body.toString('utf8'));
            body = Buffer.from(JSON.stringify(rewriteRequest(options.fault, structuredClone(request))));
          } catch {
            // Not JSON: forwarded as it came, for the exchange to refuse.
          }
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) if (!HOP_HEADERS.has(name) && typeof value === 'string') headers[name] = value;
        const answer = await fetch(new URL(req.url ?? '/', upstream), {
          method: req.method,
          headers,
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : new Uint8Array(body),
          redirect: 'manual',
        });
        let text = await answer.text();
        if (isGraphQL) {
          try {
            text = JSON.stringify(rewriteAnswer(options.fault, JSON.parse(text), request));
          } catch {
            // Not JSON: passed on unchanged.
          }
        }
        const out: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          if (!HOP_HEADERS.has(name)) out[name] = value;
        });
        res.writeHead(answer.status, { ...out, 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`faulty exchange: upstream failed: ${(err as Error).message}`);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const { values } = parseArgs({ options: { upstream: { type: 'string' }, fault: { type: 'string' }, port: { type: 'string' } } });
  if (!values.upstream || !FAULTS.includes(values.fault as Fault)) {
    console.error(`--upstream <exchange graphql url> and --fault <${FAULTS.join('|')}> are required, got ${JSON.stringify(values)}`);
    process.exit(2);
  }
  const running = await startFaultyExchange({ upstreamUrl: values.upstream, fault: values.fault as Fault, port: values.port ? Number(values.port) : 0 });
  console.log(JSON.stringify({ time: new Date().toISOString(), msg: 'faulty exchange ready', fault: values.fault, url: running.url }));
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
