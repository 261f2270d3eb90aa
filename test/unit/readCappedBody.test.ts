import { describe, it, expect } from 'vitest';
import { Readable } from 'node:stream';
import { readCappedBody } from '../../gateway/src/exchangeClient/readCappedBody.ts';

// An exchange's answer body as text: the same text whatever
// the chunks' boundaries; null past the cap.

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('readCappedBody', () => {
  it('decodes Chinese text split inside a character across chunks', async () => {
    const whole = bytes('{"title":"上海市浦东新区专利授权信息"}');
    // 12 bytes in: the middle of the first Chinese character (3 bytes each, starting at byte 10).
    const text = await readCappedBody(Readable.from([whole.subarray(0, 12), whole.subarray(12, 20), whole.subarray(20)]), 1000);
    expect(text).toBe('{"title":"上海市浦东新区专利授权信息"}');
  });

  it('keeps a leading byte order mark and turns invalid bytes into U+FFFD, as Buffer#toString does', async () => {
    const text = await readCappedBody(Readable.from([Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d])]), 1000);
    expect(text).toBe('\uFEFF{\uFFFD}');
  });

  it('answers null for a body past the cap', async () => {
    expect(await readCappedBody(Readable.from([bytes('x'.repeat(600)), bytes('y'.repeat(600))]), 1000)).toBeNull();
  });
});
