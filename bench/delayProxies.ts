/**
 * FlakyProxy instances (devkit/FlakyProxy.ts) forwarding after a fixed delay, one per upstream,
 * in their own process so that the load generator's event loop does not carry them.
 *
 * env: UPSTREAMS (JSON {"bj":"http://127.0.0.1:1234/graphql",...}), DELAY_MS.
 * Logs {"msg":"proxies ready","urls":{"bj":"http://127.0.0.1:.../graphql",...}}.
 */
import { FlakyProxy } from '../devkit/FlakyProxy.ts';

const upstreams = JSON.parse(process.env.UPSTREAMS ?? '{}') as Record<string, string>;
const delayMs = Number(process.env.DELAY_MS ?? 0);
const proxies: FlakyProxy[] = [];
const urls: Record<string, string> = {};
for (const [id, upstream] of Object.entries(upstreams)) {
  const proxy = await new FlakyProxy(upstream).start();
  proxy.delayMs = delayMs;
  proxy.recordBodies = false;
  proxies.push(proxy);
  urls[id] = proxy.url;
}
console.log(JSON.stringify({ msg: 'proxies ready', urls, delayMs }));

const stop = async () => {
  await Promise.all(proxies.map((p) => p.close()));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
