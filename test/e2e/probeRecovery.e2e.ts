import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startStack, type Stack } from '../../devkit/stack.ts';

// An exchange process frozen with SIGSTOP (a real fault: the port still accepts connections, nothing
// answers) while a gateway starts is registered OFFLINE; once it is thawed with SIGCONT the gateway must
// bring it back ONLINE within HEALTH_RECOVERY_INTERVAL_MS plus EXCHANGE_TIMEOUT_MS, however long
// HEALTH_INTERVAL_MS is. The stack probes every 600 s by default, as the browser tests that saw an
// exchange stay OFFLINE for their whole set-up wait did.

const FROZEN = 'gy';
let stack: Stack;

async function statusOf(gatewayUrl: string): Promise<{ overall: string; exchange: string | undefined }> {
  const health = await (await fetch(gatewayUrl.replace(/\/graphql$/, '/health'))).json();
  return { overall: health.status, exchange: health.exchanges.find((e: { id: string }) => e.id === FROZEN)?.status };
}

async function waitForStatus(gatewayUrl: string, want: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = performance.now() + timeoutMs;
  let seen = (await statusOf(gatewayUrl)).exchange;
  while (seen !== want && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    seen = (await statusOf(gatewayUrl)).exchange;
  }
  return seen;
}

function signal(name: 'SIGSTOP' | 'SIGCONT'): void {
  stack.services[FROZEN].child.kill(name);
}

beforeAll(async () => {
  stack = await startStack({ perExchange: 20, proxies: false });
});

afterAll(async () => {
  if (stack) signal('SIGCONT');
  await stack?.stop();
});

describe('an exchange that answers again after a freeze', () => {
  it('is registered OFFLINE while frozen at gateway start, and is ONLINE again soon after it is thawed although HEALTH_INTERVAL_MS is 10 minutes', async () => {
    signal('SIGSTOP');
    let gateway;
    try {
      // The registration check times out on the frozen exchange: it joins OFFLINE, as under heavy load.
      gateway = await stack.startGateway('gateway-frozen-start', { HEALTH_INTERVAL_MS: '600000', EXCHANGE_TIMEOUT_MS: '1000' });
      expect((await statusOf(gateway.url)).exchange).toBe('OFFLINE');
      // Frozen for longer than a probe's timeout (and a recovery interval): the probes in between time out.
      await new Promise((r) => setTimeout(r, 3000));
      expect((await statusOf(gateway.url)).exchange).toBe('OFFLINE');
    } finally {
      signal('SIGCONT');
    }
    // The documented bound is HEALTH_RECOVERY_INTERVAL_MS (2 s) + EXCHANGE_TIMEOUT_MS (1 s); generous here for a loaded machine.
    expect(await waitForStatus(gateway.url, 'ONLINE', 30_000)).toBe('ONLINE');
    expect((await statusOf(gateway.url)).overall).toBe('ok');
    await gateway.stop();
  });

  it('goes OFFLINE when frozen while the gateway runs, and ONLINE again once thawed', async () => {
    const gateway = await stack.startGateway('gateway-frozen-later', { HEALTH_INTERVAL_MS: '300', EXCHANGE_TIMEOUT_MS: '1000' });
    expect(await waitForStatus(gateway.url, 'ONLINE', 30_000)).toBe('ONLINE');
    signal('SIGSTOP');
    try {
      expect(await waitForStatus(gateway.url, 'OFFLINE', 30_000)).toBe('OFFLINE');
    } finally {
      signal('SIGCONT');
    }
    expect(await waitForStatus(gateway.url, 'ONLINE', 30_000)).toBe('ONLINE');
    await gateway.stop();
  });
});
