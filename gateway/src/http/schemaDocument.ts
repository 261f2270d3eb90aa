import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../shared/http/apolloHandler.ts';

/** The public schema as served at GET /schema.graphql: its SDL and a strong ETag (a hash of the SDL). */
export interface SchemaDocument {
  sdl: string;
  etag: string;
}

/** True when If-None-Match names `etag` (or is `*`); weak comparison, as RFC 9110 asks for If-None-Match. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/**
 * GET /schema.graphql: what clients can query, for code generators and editors. `no-cache` makes every
 * client revalidate, so a changed supergraph is seen at once while an unchanged one costs a 304.
 */
export function sendSchemaDocument(req: IncomingMessage, res: ServerResponse, document: SchemaDocument | null): void {
  if (!document) {
    sendJson(res, 503, { error: 'the schema is not loaded yet' });
    return;
  }
  const headers = { etag: document.etag, 'cache-control': 'no-cache' };
  if (matchesIfNoneMatch(req.headers['if-none-match'], document.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = Buffer.from(document.sdl, 'utf8');
  res.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
}
