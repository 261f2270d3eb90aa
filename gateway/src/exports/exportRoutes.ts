import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { exchangeTypeDefs } from '../../../schema/typeDefs.ts';
import type { Logger } from '../logger.ts';
import type { Route } from '../http/routeTable.ts';
import type { ExchangeDirectory } from '../directory/ExchangeDirectory.ts';
import { DirectFetcher } from '../exchangeClient/ShardFetcher.ts';
import { ShardRouter } from '../shards/ShardRouter.ts';
import type { PublicSchema } from '../server/PublicSchema.ts';
import { ProviderNames } from './ProviderNames.ts';
import { streamExport, type ExportFormat, type ExportParts } from './exportStream.ts';
import { csvFormat, ndjsonFormat } from './tableFormats.ts';
import { catalogFormat } from './catalogJsonLd.ts';

export interface ExportSettings {
  /** EXPORT_PAGE_SIZE: rows asked of each exchange per call. */
  exportPageSize: number;
  providersUrl: string;
  exchangeTimeoutMs: number;
}

export interface ExportRouteParts {
  directory: ExchangeDirectory;
  publicSchema: PublicSchema;
  logger: Logger;
}

/**
 * GET /export/datasets.csv, /export/datasets.ndjson and /export/catalog.jsonld (docs/exports.md). The
 * exports read through a shard router of their own, on the same directory and contract but without the
 * shard cache: a million-row export would fill the cache with pages no one asks for twice.
 */
export function exportRoutes(settings: ExportSettings, parts: ExportRouteParts): Route[] {
  const { directory } = parts;
  const logger = parts.logger.child({ component: 'exports' });
  const router = new ShardRouter({
    contractSchema: buildSubgraphSchema([{ typeDefs: exchangeTypeDefs }]),
    targets: directory,
    fetcher: new DirectFetcher(),
    logger,
    // What the export calls learn about an exchange counts as what queries learn (status, latency).
    didReceiveResult: (result) => {
      if (!result.shared) directory.observe(result, 'query');
    },
  });
  const exportParts: ExportParts = {
    router,
    providers: new ProviderNames({ url: settings.providersUrl, timeoutMs: settings.exchangeTimeoutMs }),
    schema: () => parts.publicSchema.schema(),
    pageSize: settings.exportPageSize,
    logger,
  };
  const handle = (format: (req: IncomingMessage) => ExportFormat) => (req: IncomingMessage, res: ServerResponse) =>
    streamExport(req, res, format(req), exportParts);
  return [
    { method: 'GET', path: '/export/datasets.csv', access: 'public', handle: handle(() => csvFormat) },
    { method: 'GET', path: '/export/datasets.ndjson', access: 'public', handle: handle(() => ndjsonFormat) },
    {
      method: 'GET',
      path: '/export/catalog.jsonld',
      access: 'public',
      handle: handle((req) => catalogFormat({ base: baseUrlOf(req), exchangeInfo: (id) => directory.get(id)?.info })),
    },
  ];
}

/** The gateway's base URL as the client called it: the catalog's IRIs are built on it. */
function baseUrlOf(req: IncomingMessage): string {
  const host = String(req.headers.host ?? 'localhost').replace(/[^A-Za-z0-9.:[\]-]/g, '');
  return `http://${host}`;
}
