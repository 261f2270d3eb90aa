import assert from 'node:assert/strict';
import type { Cache } from '../../gateway/src/cache/Cache.ts';

/**
 * The behaviour every Cache must show, as framework-free cases: the unit tests run them against
 * MemoryCache, the e2e tests against a Redis node and a Redis Cluster. Each case gets a fresh, empty cache
 * (its own namespace) and may assume it is healthy. Test code, kept here so both test layers share it.
 */
export interface CacheContractCase {
  name: string;
  run(cache: Cache): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the messages received on `channel` once `count` arrived, or rejects after `timeoutMs`. */
export async function collectMessages(
  cache: Cache,
  channel: string,
  count: number,
  timeoutMs = 2000,
): Promise<{ messages: string[]; done: Promise<string[]>; stop: () => Promise<void> }> {
  const messages: string[] = [];
  let resolveDone!: (messages: string[]) => void;
  const done = new Promise<string[]>((resolve, reject) => {
    resolveDone = resolve;
    setTimeout(
      () => reject(new Error(`received ${messages.length} of ${count} messages on ${channel} within ${timeoutMs} ms: ${JSON.stringify(messages)}`)),
      timeoutMs,
    ).unref();
  });
  const stop = await cache.subscribe(channel, (message) => {
    messages.push(message);
    if (messages.length === count) resolveDone(messages);
  });
  return { messages, done, stop };
}

export const CACHE_CONTRACT: CacheContractCase[] = [
  {
    name: 'misses a key that was never set',
    async run(cache) {
      assert.equal(await cache.get('never-set'), null);
    },
  },
  {
    name: 'returns a stored value until its TTL passes, then misses',
    async run(cache) {
      await cache.set('short', 'value', 0.3);
      await cache.set('long', 'value', 60);
      assert.equal(await cache.get('short'), 'value');
      await sleep(450);
      assert.equal(await cache.get('short'), null);
      assert.equal(await cache.get('long'), 'value');
    },
  },
  {
    name: 'stores nothing when the TTL is zero, negative or not a number',
    async run(cache) {
      await cache.set('zero', 'v', 0);
      await cache.set('negative', 'v', -5);
      await cache.set('nan', 'v', Number.NaN);
      await cache.setMany([{ key: 'many-zero', value: 'v', ttlSeconds: 0 }]);
      assert.deepEqual(await cache.getMany(['zero', 'negative', 'nan', 'many-zero']), [null, null, null, null]);
    },
  },
  {
    name: 'overwrites a value and deletes it',
    async run(cache) {
      await cache.set('k', 'first', 60);
      await cache.set('k', 'second', 60);
      assert.equal(await cache.get('k'), 'second');
      await cache.delete('k');
      assert.equal(await cache.get('k'), null);
      await cache.delete('never-set'); // deleting a missing key is fine
    },
  },
  {
    name: 'getMany answers in the order of the keys, with null for each miss and for repeated keys alike',
    async run(cache) {
      await cache.setMany([
        { key: 'a', value: 'A', ttlSeconds: 60 },
        { key: 'c', value: 'C', ttlSeconds: 60 },
      ]);
      assert.deepEqual(await cache.getMany(['c', 'missing', 'a', 'c', 'other-missing']), ['C', null, 'A', 'C', null]);
      assert.deepEqual(await cache.getMany([]), []);
    },
  },
  {
    name: 'getMany and setMany work over keys of many exchanges and of none (many Cluster slots)',
    async run(cache) {
      const keys = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? `plain-${i}` : `shard:{exchange:x${i % 7}}:${i}`));
      await cache.setMany(keys.filter((_, i) => i % 2 === 0).map((key) => ({ key, value: `value of ${key}`, ttlSeconds: 60 })));
      assert.deepEqual(
        await cache.getMany(keys),
        keys.map((key, i) => (i % 2 === 0 ? `value of ${key}` : null)),
      );
    },
  },
  {
    name: 'setMany gives each entry its own TTL',
    async run(cache) {
      await cache.setMany([
        { key: 'brief', value: '1', ttlSeconds: 0.3 },
        { key: 'lasting', value: '2', ttlSeconds: 60 },
      ]);
      await sleep(450);
      assert.deepEqual(await cache.getMany(['brief', 'lasting']), [null, '2']);
    },
  },
  {
    name: 'reads a version as 0 until it is bumped, and each bump returns the new value',
    async run(cache) {
      assert.equal(await cache.readVersion('epoch:{exchange:bj}'), 0);
      assert.equal(await cache.bumpVersion('epoch:{exchange:bj}'), 1);
      assert.equal(await cache.bumpVersion('epoch:{exchange:bj}'), 2);
      assert.equal(await cache.readVersion('epoch:{exchange:bj}'), 2);
      await cache.bumpVersion('epoch:{exchange:sh}');
      assert.deepEqual(await cache.readVersions(['epoch:{exchange:sh}', 'epoch:{exchange:ty}', 'epoch:{exchange:bj}']), [1, 0, 2]);
      assert.deepEqual(await cache.readVersions([]), []);
    },
  },
  {
    name: 'concurrent bumps each get a distinct new value',
    async run(cache) {
      const values = await Promise.all(Array.from({ length: 25 }, () => cache.bumpVersion('contended')));
      assert.deepEqual(
        [...values].sort((a, b) => a - b),
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
      assert.equal(await cache.readVersion('contended'), 25);
    },
  },
  {
    name: 'keeps durable records by name and field, apart from cache entries, and says whether a deleted field existed',
    async run(cache) {
      assert.equal(await cache.recordGet('registry:exchanges', 'sz'), null);
      assert.deepEqual(await cache.recordGetAll('registry:exchanges'), {});
      await cache.recordSet('registry:exchanges', 'sz', '{"id":"sz"}');
      await cache.recordSet('registry:exchanges', 'hz', '{"id":"hz"}');
      await cache.recordSet('registry:exchanges', 'sz', '{"id":"sz","v":2}');
      await cache.recordSet('registry:tokens', 'sz', 'hash');
      assert.equal(await cache.recordGet('registry:exchanges', 'sz'), '{"id":"sz","v":2}');
      assert.deepEqual(await cache.recordGetAll('registry:exchanges'), { sz: '{"id":"sz","v":2}', hz: '{"id":"hz"}' });
      assert.equal(await cache.get('registry:exchanges'), null); // records are not cache entries
      assert.equal(await cache.recordDelete('registry:exchanges', 'sz'), true);
      assert.equal(await cache.recordDelete('registry:exchanges', 'sz'), false);
      assert.deepEqual(await cache.recordGetAll('registry:exchanges'), { hz: '{"id":"hz"}' });
      assert.deepEqual(await cache.recordGetAll('registry:tokens'), { sz: 'hash' });
      assert.equal(await cache.recordSetIfAbsent('registry:exchanges', 'hz', '{"id":"hz","v":9}'), false);
      assert.equal(await cache.recordSetIfAbsent('registry:exchanges', 'wh', '{"id":"wh"}'), true);
      assert.deepEqual(await cache.recordGetAll('registry:exchanges'), { hz: '{"id":"hz"}', wh: '{"id":"wh"}' });
    },
  },
  {
    name: 'delivers a published message to every subscriber of its channel, the publisher included, and to no other channel',
    async run(cache) {
      const first = await collectMessages(cache, 'invalidate', 2);
      const second = await collectMessages(cache, 'invalidate', 2);
      const other: string[] = [];
      const stopOther = await cache.subscribe('registrations', (message) => other.push(message));
      assert.equal(await cache.publish('invalidate', 'bj'), true);
      assert.equal(await cache.publish('invalidate', 'sh'), true);
      assert.deepEqual(await first.done, ['bj', 'sh']);
      assert.deepEqual(await second.done, ['bj', 'sh']);
      assert.deepEqual(other, []);
      await Promise.all([first.stop(), second.stop(), stopOther()]);
    },
  },
  {
    name: 'stops delivering to a listener once it unsubscribes, and keeps delivering to the others',
    async run(cache) {
      const removed: string[] = [];
      const stopRemoved = await cache.subscribe('ch', (message) => removed.push(message));
      const kept = await collectMessages(cache, 'ch', 2);
      await cache.publish('ch', 'one');
      await sleep(100);
      await stopRemoved();
      await cache.publish('ch', 'two');
      assert.deepEqual(await kept.done, ['one', 'two']);
      assert.deepEqual(removed, ['one']);
      await kept.stop();
    },
  },
  {
    name: 'a listener that throws does not keep the message from the other listeners',
    async run(cache) {
      const stopThrowing = await cache.subscribe('ch', () => {
        throw new Error('listener bug');
      });
      const kept = await collectMessages(cache, 'ch', 1);
      await cache.publish('ch', 'still delivered');
      assert.deepEqual(await kept.done, ['still delivered']);
      await Promise.all([stopThrowing(), kept.stop()]);
    },
  },
  {
    name: 'after close, reads miss, writes do nothing, bumps and record writes reject',
    async run(cache) {
      await cache.set('k', 'v', 60);
      await cache.close();
      await cache.close(); // idempotent
      assert.equal(await cache.get('k'), null);
      await cache.set('k', 'v', 60);
      assert.deepEqual(await cache.getMany(['k']), [null]);
      assert.equal(await cache.publish('ch', 'x'), false);
      await assert.rejects(cache.bumpVersion('v'), { name: 'CacheUnavailableError' });
      await assert.rejects(cache.recordSet('r', 'f', 'v'), { name: 'CacheUnavailableError' });
      await assert.rejects(cache.recordSetIfAbsent('r', 'f', 'v'), { name: 'CacheUnavailableError' });
    },
  },
];
