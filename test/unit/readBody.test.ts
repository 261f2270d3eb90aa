import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readBody, sendJson } from '../../shared/http/apolloHandler.ts';

// readBody on a real node:http server: the whole body, in one piece or many, and the size limit.

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(limit: number): Promise<string> {
  server = createServer((req, res) => {
    readBody(req, limit).then(
      (text) => sendJson(res, 200, { length: Buffer.byteLength(text), text }),
      (err) => sendJson(res, err instanceof BodyTooLargeError ? 413 : 500, { error: String(err.message) }),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('readBody', () => {
  it('returns a body sent in many chunks whole, multi-byte characters included', async () => {
    const url = await serve(1024 * 1024);
    const text = '数据交易所'.repeat(20_000);
    const chunks = [text.slice(0, 7), text.slice(7, 50_001), text.slice(50_001)].map((part) => new TextEncoder().encode(part));
    const body = new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(url, { method: 'POST', body, duplex: 'half' } as RequestInit);
    const answer: any = await response.json();
    expect(response.status).toBe(200);
    expect(answer.length).toBe(Buffer.byteLength(text));
    expect(answer.text).toBe(text);
  });

  it('refuses a body larger than the limit with BodyTooLargeError naming the limit', async () => {
    const url = await serve(100);
    const response = await fetch(url, { method: 'POST', body: 'x'.repeat(101) }).catch((err: unknown) => err as Error);
    // The stream is destroyed once past the limit: the answer is the 413, or (when the socket went first) a reset.
    if (response instanceof Error) expect(String(response.cause ?? response)).toMatch(/reset|closed|terminated|socket/i);
    else {
      expect(response.status).toBe(413);
      expect(((await response.json()) as any).error).toBe('request body is larger than 100 bytes');
    }
  });
});
