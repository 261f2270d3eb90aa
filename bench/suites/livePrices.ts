/**
 * Live prices (docs/live-prices.md): N subscribers over SSE (raw sockets of this process, one each) to
 * `priceChanged`, and price changes posted to the four exchanges' POST /admin/prices at a steady rate.
 * Each change has an amount of its own, so every delivery is matched to the instant its POST was sent:
 * delivery latency = arrival at the subscriber − start of the POST. Also: the gateway's resident memory
 * with N idle subscribers (from its /metrics, before and after they connect), and deliveries lost.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { seedCatalog, startExchange, startProviders, startOurGateway } from '../lib/stack.ts';
import { intFlag, type Suite, type SuiteContext, type SuiteReport } from '../lib/suite.ts';

const EXCHANGES = ['bj', 'sh', 'ty', 'gy'];
const ADMIN = 'bench-exchange-admin';
const SUBSCRIPTION = 'subscription { priceChanged { dataset { id title } current { amount } changedAt } }';

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function residentBytes(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith('process_resident_memory_bytes'))
      ?.split(' ')[1] ?? NaN,
  );
}

/** One SSE subscriber; calls `onAmount` with every delivered amount. */
function subscribe(streamUrl: URL, onAmount: (amount: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: SUBSCRIPTION });
    const req = request(
      streamUrl,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`subscribe: HTTP ${res.statusCode}`));
        res.setEncoding('utf8');
        let carry = '';
        res.on('data', (chunk: string) => {
          const text = carry + chunk;
          let at = 0;
          // A string search, not JSON.parse: a thousand subscribers in one process must keep up.
          for (;;) {
            const found = text.indexOf('"current":{"amount":"', at);
            if (found < 0) break;
            const start = found + 21;
            const end = text.indexOf('"', start);
            if (end < 0) break;
            onAmount(text.slice(start, end));
            at = end;
          }
          carry = text.slice(Math.max(at, text.length - 64));
        });
        resolve(() => req.destroy());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const livePricesSuite: Suite = {
  name: 'live',
  title: 'Live prices: delivery latency with many subscribers, and memory with idle ones',
  flags: {
    'live-subscribers': { default: '1000', description: 'SSE subscribers to priceChanged' },
    'live-rate': { default: '50', description: 'price changes per second, spread over the four exchanges' },
    'live-seconds': { default: '20', description: 'seconds of changes' },
    'live-per-exchange': { default: '2000', description: 'datasets per exchange of the live suite' },
  },
  async run({ resources, flags, log }: SuiteContext): Promise<SuiteReport> {
    const subscribers = intFlag(flags, 'live-subscribers', 1, 20_000);
    const rate = intFlag(flags, 'live-rate', 1, 1000);
    const seconds = intFlag(flags, 'live-seconds', 1, 600);
    const perExchange = intFlag(flags, 'live-per-exchange', 10, 250_000);
    const dir = resources.tempDir('live');
    log(`seeding ${perExchange} datasets per exchange`);
    await seedCatalog(resources, { perExchange, dataDir: dir, timeoutMs: 600_000 });
    const exchanges = await Promise.all(EXCHANGES.map((id) => startExchange(resources, id, join(dir, `${id}.db`), { EXCHANGE_ADMIN_TOKEN: ADMIN })));
    const providers = await startProviders(resources);
    const gateway = await startOurGateway(resources, {
      name: 'gateway-live',
      dir,
      providersUrl: providers.url,
      exchanges: EXCHANGES.map((id, i) => ({ id, url: exchanges[i]!.url })),
      env: { LIVE_MAX_SUBSCRIPTIONS: String(subscribers + 10) },
    });
    const base = gateway.url.replace(/\/graphql$/, '');
    const streamUrl = new URL(`${base}/graphql/stream`);
    const metricsUrl = `${base}/metrics`;
    await new Promise((r) => setTimeout(r, 2000));
    const before = await residentBytes(metricsUrl);

    const sentAt = new Map<string, number>();
    const latencies = new Float64Array(subscribers * rate * seconds);
    let delivered = 0;
    let unmatched = 0;
    const onAmount = (amount: string) => {
      const sent = sentAt.get(amount);
      if (sent === undefined) return void unmatched++;
      if (delivered < latencies.length) latencies[delivered] = performance.now() - sent;
      delivered++;
    };
    log(`opening ${subscribers} subscriptions`);
    const closers: Array<() => void> = [];
    for (let i = 0; i < subscribers; i += 50) {
      closers.push(...(await Promise.all(Array.from({ length: Math.min(50, subscribers - i) }, () => subscribe(streamUrl, onAmount)))));
    }
    await new Promise((r) => setTimeout(r, 5000));
    const idle = await residentBytes(metricsUrl);

    log(`${rate} changes/s for ${seconds} s`);
    const ids = EXCHANGES.map((id) => Array.from({ length: 20 }, (_, i) => `${id}:ds-${String(i + 1).padStart(6, '0')}`));
    const adminUrls = exchanges.map((e) => e.url.replace(/\/graphql$/, '/admin/prices'));
    const total = rate * seconds;
    const started = performance.now();
    const posts: Promise<unknown>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const e = n % EXCHANGES.length;
      const amount = `${1000 + n}.01`;
      sentAt.set(amount, performance.now());
      posts.push(
        fetch(adminUrls[e]!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
          body: JSON.stringify({ datasetId: ids[e]![n % 20]!, model: 'PER_CALL', amount }),
        }),
      );
    }
    await Promise.all(posts);
    const expected = total * subscribers;
    for (let waited = 0; waited < 15_000 && delivered < expected; waited += 250) await new Promise((r) => setTimeout(r, 250));
    for (const close of closers) close();
    const sorted = latencies.slice(0, Math.min(delivered, latencies.length)).sort();
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    return {
      sections: [
        {
          title: `${subscribers} SSE subscribers, ${rate} changes/s over ${EXCHANGES.length} exchanges for ${seconds} s`,
          table: {
            headers: ['measure', 'value'],
            rows: [
              ['changes posted', String(total)],
              ['deliveries expected / received', `${expected} / ${delivered}`],
              ['delivery latency p50', `${p50.toFixed(0)} ms`],
              ['delivery latency p99', `${p99.toFixed(0)} ms`],
              ['delivery latency max', `${sorted.length ? sorted[sorted.length - 1]!.toFixed(0) : 'n/a'} ms`],
              ['gateway RSS before subscribers', mb(before)],
              [`gateway RSS with ${subscribers} idle subscribers`, `${mb(idle)} (+${mb(idle - before)})`],
            ],
          },
          text:
            'Latency: from the start of the POST /admin/prices to the arrival of the event at each subscriber (same machine). Unmatched amounts: ' +
            unmatched +
            '.',
        },
      ],
      targets: [
        { what: 'delivery latency p99', value: `${p99.toFixed(0)} ms`, target: '< 2000 ms', pass: p99 < 2000 },
        { what: 'deliveries lost', value: String(expected - delivered), target: '0', pass: delivered >= expected },
      ],
    };
  },
};
