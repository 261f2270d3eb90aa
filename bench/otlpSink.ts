/**
 * An OTLP/HTTP receiver that accepts and drops every batch (POST /v1/traces), for the tracing-on row:
 * the gateway pays for making and sending its spans, nothing more. PORT (0: a free one).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let spansBatches = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    spansBatches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: 'otlp sink ready', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ msg: 'otlp sink stopping', batches: spansBatches }));
  server.close(() => process.exit(0));
});
