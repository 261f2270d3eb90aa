import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../gateway/src/http/clientAddress.ts';
import { judgeDurability } from '../../gateway/src/cache/redisDurability.ts';
import { MemoryCache } from '../../gateway/src/cache/MemoryCache.ts';
import { CostBudgets } from '../../gateway/src/cache/costBudgets.ts';

/** A request as node:http gives it, reduced to what clientAddress reads. */
function request(peer: string, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For when no hop is trusted', () => {
    expect(clientAddress(request('::ffff:10.1.2.3', '1.1.1.1'), 0)).toBe('10.1.2.3');
  });

  it('takes the entry written by the trusted proxies, not what the client wrote before it', () => {
    expect(clientAddress(request('10.0.0.5', '6.6.6.6, 203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.5', '6.6.6.6, 203.0.113.9, 10.0.0.4'), 2)).toBe('203.0.113.9');
  });

  it('falls back to the leftmost entry when fewer hops are present than trusted', () => {
    expect(clientAddress(request('10.0.0.5', '203.0.113.9'), 5)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.5'), 1)).toBe('10.0.0.5');
  });
});

describe('judgeDurability', () => {
  it('is ok with append-only persistence and a policy that spares keys without a TTL', () => {
    expect(judgeDurability([{ node: 'a:1', settings: { appendonly: 'yes', save: '', 'maxmemory-policy': 'volatile-lru' } }])).toEqual({ durability: 'ok' });
    expect(judgeDurability([{ node: 'a:1', settings: { appendonly: 'no', save: '3600 1', 'maxmemory-policy': 'noeviction' } }])).toEqual({ durability: 'ok' });
  });

  it('names each setting at risk on each master, with its fix', () => {
    const judged = judgeDurability([
      { node: 'a:1', settings: { appendonly: 'yes', save: '', 'maxmemory-policy': 'noeviction' } },
      { node: 'b:2', settings: { appendonly: 'no', save: '', 'maxmemory-policy': 'allkeys-random' } },
    ]);
    expect(judged.durability).toBe('at-risk');
    const reasons = 'reasons' in judged ? judged.reasons : [];
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/^Redis b:2 persists nothing .*fix: appendonly yes/);
    expect(reasons[1]).toMatch(/^Redis b:2 has maxmemory-policy allkeys-random.*fix: maxmemory-policy noeviction or volatile-lru/);
  });

  it('is unknown, not at risk, when a node refuses CONFIG GET', () => {
    const judged = judgeDurability([{ node: 'a:1', error: "ERR unknown command 'CONFIG'" }]);
    expect(judged.durability).toBe('unknown');
  });
});

describe('CostBudgets', () => {
  it('admits exactly the budget in one window and refuses what is over, with the time left', async () => {
    const budgets = new CostBudgets(new MemoryCache({}));
    const costs = [7, 30, 1, 12, 25, 3, 9, 8];
    expect(costs.length).toBeGreaterThan(0);
    let admitted = 0;
    for (let round = 0; round < 10; round++) {
      for (const cost of costs) {
        const decision = await budgets.spend('ip:203.0.113.1', 100, cost);
        if (decision.allowed) {
          admitted += cost;
          expect(decision.remaining).toBe(100 - admitted);
        } else {
          expect(decision.remaining).toBe(0);
          expect(decision.resetSeconds).toBeGreaterThanOrEqual(1);
          expect(decision.resetSeconds).toBeLessThanOrEqual(60);
        }
      }
    }
    // The first refusal blocks the client for the window: 7+30+1+12+25+3+9 = 87 fits, 87+8 = 95 fits, +7 = 102 does not.
    expect(admitted).toBe(95);
    expect((await budgets.spend('ip:203.0.113.2', 100, 1)).allowed).toBe(true);
  });
});
