import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExchangeClient } from '../../gateway/src/exchangeClient/ExchangeClient.ts';

/** A real HTTP server whose answer each test sets: its body, and how long it waits first. */
let server: Server;
let url = '';
let answer = { body: '{"data":{"ok":true}}', delayMs: 0 };

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-catalog-version': 'v1' });
        res.end(answer.body);
      }, answer.delayMs),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('ExchangeClient', () => {
  it('reads an answer whole, in many chunks, up to the size cap', async () => {
    const big = JSON.stringify({ data: { text: 'x'.repeat(300_000) } });
    answer = { body: big, delayMs: 0 };
    const client = new ExchangeClient({ exchange: 'bj', url, maxResponseBytes: big.length });
    const result = await client.send({ query: '{ text }' });
    expect(result).toMatchObject({ ok: true, catalogVersion: 'v1' });
    expect((result as { data: any }).data.text).toHaveLength(300_000);
    await client.close();
  });

  it('refuses an answer one byte over the cap, and the next call still works', async () => {
    const big = JSON.stringify({ data: { text: 'x'.repeat(300_000) } });
    answer = { body: big, delayMs: 0 };
    const client = new ExchangeClient({ exchange: 'bj', url, maxResponseBytes: big.length - 1 });
    expect(await client.send({ query: '{ text }' })).toMatchObject({ ok: false, code: 'EXCHANGE_BAD_RESPONSE', exchange: 'bj' });
    answer = { body: '{"data":{"ok":true}}', delayMs: 0 };
    expect(await client.send({ query: '{ ok }' })).toMatchObject({ ok: true, data: { ok: true } });
    await client.close();
  });

  it('gives up after the timeout with EXCHANGE_TIMEOUT, and answers in time are not cut', async () => {
    const client = new ExchangeClient({ exchange: 'gy', url, timeoutMs: 150 });
    answer = { body: '{"data":{"ok":true}}', delayMs: 400 };
    const started = performance.now();
    expect(await client.send({ query: '{ ok }' })).toMatchObject({ ok: false, code: 'EXCHANGE_TIMEOUT', exchange: 'gy' });
    expect(performance.now() - started).toBeLessThan(380);
    answer = { body: '{"data":{"ok":true}}', delayMs: 20 };
    expect(await client.send({ query: '{ ok }' })).toMatchObject({ ok: true });
    await client.close();
  });
});
