import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * GraphiQL, served from the project's own node_modules: the gateway runs where there is no internet,
 * and Apollo's default landing page would load its sandbox from a CDN.
 */
const require = createRequire(import.meta.url);
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};
const loaded = new Map<string, Buffer>();

export const ASSET_PATH_PREFIX = '/_assets/';

const DEFAULT_QUERY = `# The catalog of every registered exchange, merged.
query Catalog {
  datasets(filter: { text: "疫苗" }, sort: UPDATED_DESC, first: 5) {
    totalCount
    missingExchanges
    nodes { id title titleZh price { model amount currency } exchange { id name } provider { name kind } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export function isBrowserPageRequest(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  return !url.searchParams.has('query') && (req.headers.accept ?? '').includes('text/html');
}

export function landingPageHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Exchange catalog · GraphiQL</title>
<link rel="stylesheet" href="${ASSET_PATH_PREFIX}graphiql.css">
<style>body{margin:0;height:100vh}#graphiql{height:100vh}</style></head>
<body><div id="graphiql">Loading GraphiQL…</div>
<script src="${ASSET_PATH_PREFIX}react.js"></script>
<script src="${ASSET_PATH_PREFIX}react-dom.js"></script>
<script src="${ASSET_PATH_PREFIX}graphiql.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', location.href).toString() });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)} }));
</script></body></html>`;
}

/** Serves GraphiQL's own files; answers false when the path is not one of them. */
export function serveAsset(path: string, res: ServerResponse): boolean {
  const asset = ASSETS[path.slice(ASSET_PATH_PREFIX.length)];
  if (!path.startsWith(ASSET_PATH_PREFIX) || !asset) return false;
  const key = `${asset.pkg}/${asset.file}`;
  let body = loaded.get(key);
  if (!body) {
    // Packages' "exports" maps hide their UMD files from require.resolve, so go through package.json.
    body = readFileSync(join(dirname(require.resolve(`${asset.pkg}/package.json`)), asset.file));
    loaded.set(key, body);
  }
  res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=86400', 'content-length': body.length });
  res.end(body);
  return true;
}
