import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { sendJson } from '../../../shared/http/apolloHandler.ts';
import type { ShardRouter } from '../shards/ShardRouter.ts';
import { MAX_NAMED_EXCHANGES } from '../shards/ShardRouter.ts';
import type { Logger } from '../logger.ts';
import type { PositionedNode } from './ExchangePages.ts';
import { encodePage, usccOf, type RowEncoder } from './encodedRows.ts';
import { exportPages } from './BulkPages.ts';
import { ExportFailure, ExportMerge } from './ExportMerge.ts';
import { ExportArgumentError, readExportArguments, type ExportArguments } from './exportArguments.ts';
import { ProvidersUnavailable, type ProviderFacts, type ProviderNames } from './ProviderNames.ts';

export const MISSING_EXCHANGES_HEADER = 'x-missing-exchanges';
/** Rows merged, looked up and written as one chunk. */
const ROWS_PER_CHUNK = 500;

export interface ExportParts {
  router: ShardRouter;
  providers: ProviderNames;
  /** The public API schema (its input types check the arguments); null before the gateway's first load. */
  schema: () => GraphQLSchema | null;
  pageSize: number;
  logger: Logger;
}

export interface ExportChunk {
  rows: PositionedNode[];
  providers: Map<string, ProviderFacts>;
}

/**
 * How one export format writes itself. `merged`: one stream over every exchange in the global order (CSV,
 * NDJSON); `byExchange`: each exchange's listings in turn, opened and closed by `group` (one DCAT
 * sub-catalog per exchange).
 */
export interface ExportFormat {
  contentType: string;
  fileName: string;
  parameters: readonly string[];
  layout: 'merged' | 'byExchange';
  /**
   * merged: how a row is written as bytes. Given to the pages, which write each row on arrival, so that a
   * page waiting to be merged holds bytes, not objects (encodedRows.ts).
   */
  encoder?: RowEncoder;
  /**
   * byExchange: the parts each exchange is read in, one after the other, each with its own filter (null:
   * the part is empty, nothing is asked). Default: one part with the client's filter.
   */
  parts?(filter: Record<string, unknown> | null): Array<{ name: string; filter: Record<string, unknown> | null }>;
  head(args: ExportArguments, exchanges: string[]): string;
  /** Before (`open`) and after (`close`) each part of each exchange, in the byExchange layout. */
  group?(at: { exchange: string; part: string; edge: 'open' | 'close'; firstExchange: boolean }): string;
  rows(chunk: ExportChunk, args: ExportArguments): string | Buffer;
  tail(): string;
}

/** An answer before the first byte: JSON with the error and, for failures, the exchanges that failed. */
function refuse(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  sendJson(res, status, body, { 'cache-control': 'no-store' });
}

async function nextChunk(merge: ExportMerge | undefined, providers: ProviderNames): Promise<ExportChunk | null> {
  const rows = merge ? await merge.nextBatch(ROWS_PER_CHUNK) : null;
  if (!rows) return null;
  const usccs = new Set<string>();
  for (const row of rows) {
    const uscc = usccOf(row);
    if (uscc) usccs.add(uscc);
  }
  return { rows, providers: await providers.lookup(usccs) };
}

/**
 * Streams one export: arguments checked (400), the first page of every exchange awaited (503 naming the
 * failed ones, or partial=1 and X-Missing-Exchanges), then chunk after chunk, waiting for 'drain' whenever
 * the socket's buffer is full, so memory stays at a few pages whatever the size. A failure after the first
 * byte destroys the response: the client sees a broken transfer, never a short file that looks complete.
 */
export async function streamExport(req: IncomingMessage, res: ServerResponse, format: ExportFormat, parts: ExportParts): Promise<void> {
  const schema = parts.schema();
  if (!schema) return refuse(res, 503, { error: 'the gateway has not loaded its schema yet; try again shortly' });
  let args: ExportArguments;
  try {
    args = readExportArguments(schema, new URL(req.url ?? '/', 'http://gateway').searchParams, format.parameters);
  } catch (err) {
    if (err instanceof ExportArgumentError) return refuse(res, 400, { error: err.message, field: err.field });
    throw err;
  }
  const named = (args.filter?.exchanges as string[] | null | undefined) ?? [];
  const exchanges = named.length > 0 ? [...new Set(named)].sort() : parts.router.exchangeIds();
  // An empty file would look like an empty catalog: with no exchange to ask, say so instead.
  if (exchanges.length === 0) return refuse(res, 503, { error: 'no exchange is registered: there is nothing to export yet', missingExchanges: [] });
  if (exchanges.length > MAX_NAMED_EXCHANGES) {
    return refuse(res, 400, { error: `filter.exchanges: at most ${MAX_NAMED_EXCHANGES} exchanges, got ${exchanges.length}`, field: 'filter.exchanges' });
  }
  const requestId = String(res.getHeader('x-request-id') ?? '') || undefined;
  const encoder = format.layout === 'merged' ? format.encoder : undefined;
  const pagesOf = (exchange: string, filter: Record<string, unknown> | null) =>
    exportPages({
      router: parts.router,
      exchange,
      filter,
      sort: args.sort,
      pageSize: parts.pageSize,
      requestId,
      encode: encoder ? (rows: PositionedNode[]) => encodePage(rows, encoder) : undefined,
    });
  // Every exchange's first page is asked for at once, whatever the layout: failures show before the first byte.
  const groups: Array<{ exchange: string | null; part: string; merge: ExportMerge }> =
    format.layout === 'merged'
      ? [
          {
            exchange: null,
            part: '',
            merge: new ExportMerge(
              exchanges.map((e) => pagesOf(e, args.filter)),
              args.sort,
            ),
          },
        ]
      : exchanges.flatMap((exchange) =>
          (format.parts?.(args.filter) ?? [{ name: '', filter: args.filter }]).map((part) => ({
            exchange,
            part: part.name,
            merge: new ExportMerge(part.filter ? [pagesOf(exchange, part.filter)] : [], args.sort),
          })),
        );
  const stopAll = () => groups.forEach((g) => g.merge.stop());
  let clientLeft = false;
  res.on('close', () => {
    clientLeft = true;
    stopAll();
  });

  let first: ExportChunk | null;
  let missing: string[] = [];
  try {
    const failures = (await Promise.all(groups.map((g) => g.merge.start()))).flat().sort((a, b) => a.exchange.localeCompare(b.exchange));
    missing = failures.map((f) => f.exchange);
    if (failures.length > 0 && !args.partial) {
      stopAll();
      return refuse(res, 503, {
        error: `the export would be incomplete: ${failures.map((f) => f.message).join('; ')}. Retry later, or add partial=1 to export without ${missing.length > 1 ? 'them' : 'it'}`,
        missingExchanges: missing,
        codes: Object.fromEntries(failures.map((f) => [f.exchange, f.code])),
      });
    }
    for (const g of groups) g.merge.drop(missing);
    first = await nextChunk(groups[0]?.merge, parts.providers);
  } catch (err) {
    stopAll();
    if (err instanceof ExportFailure && err.outcome.kind === 'badInput') return refuse(res, 400, { error: err.outcome.message, field: 'filter' });
    if (err instanceof ExportFailure) return refuse(res, 503, { error: `the export would be incomplete: ${err.message}`, missingExchanges: err.exchanges });
    if (err instanceof ProvidersUnavailable)
      return refuse(res, 503, { error: `the export would lack provider names: ${err.message}`, missingSubgraphs: ['providers'] });
    throw err;
  }

  res.writeHead(200, {
    'content-type': format.contentType,
    'content-disposition': `attachment; filename="${format.fileName}"`,
    'cache-control': 'no-store',
    ...(missing.length > 0 ? { [MISSING_EXCHANGES_HEADER]: missing.join(',') } : {}),
  });
  let rowsWritten = 0;
  try {
    let pending = format.head(
      args,
      exchanges.filter((e) => !missing.includes(e)),
    );
    let exchangesOpened = 0;
    for (const [index, group] of groups.entries()) {
      if (group.exchange !== null && missing.includes(group.exchange)) continue;
      const at = { exchange: group.exchange ?? '', part: group.part };
      if (group.exchange !== null && groups[index - 1]?.exchange !== group.exchange) exchangesOpened++;
      if (group.exchange !== null) pending += format.group?.({ ...at, edge: 'open', firstExchange: exchangesOpened === 1 }) ?? '';
      let chunk = index === 0 ? first : await nextChunk(group.merge, parts.providers);
      for (; chunk && !clientLeft; chunk = await nextChunk(group.merge, parts.providers)) {
        const body = format.rows(chunk, args);
        rowsWritten += chunk.rows.length;
        if (typeof body === 'string') pending += body;
        else if (pending) {
          res.write(pending);
          pending = '';
        }
        if (!res.write(typeof body === 'string' ? pending : body)) await drained(res);
        pending = '';
      }
      if (clientLeft) return;
      if (group.exchange !== null) pending += format.group?.({ ...at, edge: 'close', firstExchange: exchangesOpened === 1 }) ?? '';
    }
    res.end(pending + format.tail());
  } catch (err) {
    stopAll();
    // Aborting is the point: the chunked body is never terminated, so no client takes a short file as whole.
    parts.logger.warn({ requestId, rowsWritten, err: (err as Error).message }, 'export aborted midway');
    res.destroy(err as Error);
  }
}

/** Resolves when the socket takes more ('drain') or is gone ('close'): a client that left must not hang the loop. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
