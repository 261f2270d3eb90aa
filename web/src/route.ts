/**
 * Hash routes, so a view and its whole state are one shareable link and the gateway serves one page:
 * #/ (overview), #/search?q=…&cat=…, #/dataset/<id>, #/provider/<uscc>.
 */
export interface Route {
  page: 'overview' | 'search' | 'dataset' | 'provider';
  id?: string;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'search') return { page: 'search', params };
  if (parts[0] === 'dataset' && parts[1]) return { page: 'dataset', id: decodeURIComponent(parts[1]), params };
  if (parts[0] === 'provider' && parts[1]) return { page: 'provider', id: decodeURIComponent(parts[1]), params };
  return { page: 'overview', params };
}

export function searchHref(params: URLSearchParams): string {
  const query = params.toString();
  return `#/search${query ? `?${query}` : ''}`;
}

export function datasetHref(id: string): string {
  return `#/dataset/${encodeURIComponent(id)}`;
}

export function providerHref(uscc: string): string {
  return `#/provider/${encodeURIComponent(uscc)}`;
}
