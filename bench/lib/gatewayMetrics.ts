/** Counters read from our gateway's /metrics (Prometheus text), for suites that check what a run really did. */

/** The /metrics URL of a gateway whose GraphQL endpoint is `graphqlUrl`. */
export function metricsUrlOf(graphqlUrl: string): string {
  return graphqlUrl.replace(/\/graphql$/, '/metrics');
}

/** Calls sent to each exchange so far, from gateway_shard_fetches_total{exchange}. */
export async function shardFetchesByExchange(graphqlUrl: string): Promise<Map<string, number>> {
  const response = await fetch(metricsUrlOf(graphqlUrl), { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${metricsUrlOf(graphqlUrl)} answered ${response.status}`);
  const calls = new Map<string, number>();
  for (const match of (await response.text()).matchAll(/^gateway_shard_fetches_total\{exchange="([a-z0-9-]+)"\} (\d+)/gm))
    calls.set(match[1], Number(match[2]));
  return calls;
}

/** Calls sent to all exchanges so far (gateway_shard_fetches_total summed). */
export async function shardFetches(graphqlUrl: string): Promise<number> {
  return [...(await shardFetchesByExchange(graphqlUrl)).values()].reduce((a, b) => a + b, 0);
}
