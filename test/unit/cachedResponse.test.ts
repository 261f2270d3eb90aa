import { describe, it, expect } from 'vitest';
import { decodeStoredResponse, encodeStoredResponse, stillComplete } from '../../gateway/src/cache/cachedResponse.ts';

describe('a stored response and its completeness', () => {
  const response = { data: { datasets: { totalCount: 3 } }, extensions: { catalog: { exchanges: { bj: 'a.1', sh: 'b.2' }, missingExchanges: ['gy'] } } };

  it('keeps the response text as sent and the exchanges it drew from and lacked', () => {
    const decoded = decodeStoredResponse(encodeStoredResponse(response));
    expect(decoded).toEqual({ drewFrom: ['bj', 'sh'], missing: ['gy'], body: JSON.stringify(response), cacheControl: null });
    expect(JSON.parse(decoded!.body)).toEqual(response);
  });

  it('keeps the Cache-Control header the response was sent with', () => {
    expect(decodeStoredResponse(encodeStoredResponse(response, 'no-store'))?.cacheControl).toBe('no-store');
    expect(decodeStoredResponse(encodeStoredResponse(response, 'max-age=30, public'))?.cacheControl).toBe('max-age=30, public');
  });

  it('reads an entry of the older format (a bare response) as nothing to serve', () => {
    expect(decodeStoredResponse(JSON.stringify({ data: { a: 1 } }))).toBeNull();
    expect(decodeStoredResponse('not json\n{}')).toBeNull();
  });

  it('is servable only while every exchange it drew from answers and none it lacked does', () => {
    const stored = { drewFrom: ['bj', 'sh'], missing: ['gy'] };
    const answering = (codes: string[]) => (exchange: string) => codes.includes(exchange);
    expect(stillComplete(stored, answering(['bj', 'sh']))).toBe(true);
    expect(stillComplete(stored, answering(['bj', 'sh', 'ty']))).toBe(true);
    expect(stillComplete(stored, answering(['bj']))).toBe(false);
    expect(stillComplete(stored, answering(['bj', 'sh', 'gy']))).toBe(false);
    expect(stillComplete({ drewFrom: [], missing: [] }, answering([]))).toBe(true);
  });
});
