/**
 * The ceiling of a cached answer: a bare node:http server that reads each request's body and answers the
 * same bytes with the same headers every time (BODY_FILE: a JSON file `{ headers, body }`, the answer our
 * gateway gave from its response cache). PORT (0: a free one). Logs `{"msg":"bare server ready","url":...}`.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const { headers, body } = JSON.parse(readFileSync(process.env.BODY_FILE ?? '', 'utf8')) as { headers: Record<string, string>; body: string };
const bytes = Buffer.from(body);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { ...headers, 'content-length': bytes.length });
    res.end(bytes);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: 'bare server ready', url: `http://127.0.0.1:${port}/graphql` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
