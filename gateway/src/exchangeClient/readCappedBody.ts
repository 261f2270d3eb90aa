import type { Readable } from 'node:stream';

/**
 * An answer's body as text, or null past maxBytes (the rest is not read: the body is destroyed). Events
 * rather than `for await`: an async iterator per answer costs more than the few chunks an answer has.
 */
export function readCappedBody(body: Readable, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      if (size > maxBytes) return;
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    body.once('error', reject);
  });
}
