import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startService, freePort, type Service } from '../../devkit/processes.ts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';

// The conformance subset the gateway runs at registration (issue 15.4): a real exchange registers; the same
// exchange behind a broken front (test/services/FaultyExchange.ts, its own process) passes the SDL check
// and the probe, fails the subset, is refused with the kit's report, and gets no query.

const ADMIN = 'operator-token';
const SZ = { id: 'sz', name: 'Shenzhen Data Exchange', nameZh: '深圳数据交易所', city: 'Shenzhen', province: 'Guangdong', divisionCode: '440300' };
let stack: Stack;
let sz: Service;
let faulty: Service;
/** In front of the faulty exchange: counts the calls it gets. */
let faultyProxy: FlakyProxy;
/** In front of the good one. */
let szProxy: FlakyProxy;

function admin(path: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${stack.gatewayBase}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function exchangeIds(): Promise<string[]> {
  const data: any = dataOf(await graphql(stack.gatewayUrl, '{ exchanges { id } }'));
  return data.exchanges.map((e: any) => e.id);
}

const QUERY = '{ datasets(first: 5) { totalCount edges { node { id } } } }';

beforeAll(async () => {
  stack = await startStack({ perExchange: 60, gatewayEnv: { GATEWAY_ADMIN_TOKEN: ADMIN } });
  sz = await startService({
    name: 'sz',
    file: 'subgraphs/exchange/main.ts',
    readyMsg: 'exchange ready',
    quiet: true,
    args: ['--id', 'sz', '--port', String(await freePort()), '--province', SZ.province, '--division-code', SZ.divisionCode],
    env: { DATA_DIR: stack.dataDir, SEED_PER_EXCHANGE: '150' },
  });
  szProxy = await new FlakyProxy(sz.url).start();
  faulty = await startService({
    name: 'faulty-sz',
    file: 'test/services/FaultyExchange.ts',
    args: ['--upstream', sz.url, '--fault', 'repeated-item'],
    readyMsg: 'faulty exchange ready',
    quiet: true,
  });
  faultyProxy = await new FlakyProxy(faulty.url).start();
}, 240_000);

afterAll(async () => {
  await faulty?.stop();
  await faultyProxy?.close();
  await szProxy?.close();
  await sz?.stop();
  await stack?.stop();
});

describe('registration runs the conformance subset', () => {
  it('refuses an exchange that passes the SDL check but repeats a listing across pages: 422, the report naming the check and the counterexample, and no query reaches it', async () => {
    const response = await admin('/admin/exchanges', { method: 'POST', body: { ...SZ, url: faultyProxy.url } });
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(422);
    expect(body.error.code).toBe('CONFORMANCE_FAILED');
    // The kit sent its requests through the proxy: the refusal is the subset's, not an earlier check's.
    expect(faultyProxy.calls).toBeGreaterThan(3);
    const report = body.error.report;
    expect(report).toMatchObject({ ok: false, profile: 'registration', id: 'sz', url: faultyProxy.url });
    const failed = report.checks.filter((c: any) => c.status === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    const sort = failed.find((c: any) => c.name === 'sort UPDATED_DESC');
    expect(sort?.counterexample).toMatch(/(sz:ds-\d+) appears twice, at positions \d+ \(page 1\) and \d+ \(page 2\)/);
    expect(body.error.problems).toContainEqual({
      field: 'url',
      rule: 'conformance',
      message: `url: the exchange fails the conformance check "sort UPDATED_DESC": ${sort.counterexample}`,
    });
    expect(body.problems).toContain(`url: the exchange fails the conformance check "sort UPDATED_DESC": ${sort.counterexample}`);

    expect(await exchangeIds()).toEqual(['bj', 'gy', 'sh', 'ty']);
    faultyProxy.reset();
    const data: any = dataOf(await graphql(stack.gatewayUrl, QUERY));
    expect(data.datasets.edges.length).toBe(5);
    expect(faultyProxy.calls).toBe(0);
  });

  it('registers the same exchange without the fault, and queries reach it', async () => {
    const response = await admin('/admin/exchanges', { method: 'POST', body: { ...SZ, url: szProxy.url } });
    expect(response.status, await response.clone().text()).toBe(201);
    // The subset's requests went to the exchange before it joined.
    expect(szProxy.calls).toBeGreaterThan(3);
    expect(await exchangeIds()).toEqual(['bj', 'gy', 'sh', 'sz', 'ty']);
    szProxy.reset();
    dataOf(await graphql(stack.gatewayUrl, QUERY));
    expect(szProxy.calls).toBe(1);
    expect((await admin('/admin/exchanges/sz', { method: 'DELETE' })).status).toBe(200);
  });
});

describe('admin refusals', () => {
  /** The one documented shape (docs/registration.md, "Refusals"), and its problems' messages at the top level too. */
  function expectRefusal(body: any, code: string, fields: string[]) {
    expect(body).toEqual({
      error: { code, message: expect.any(String), problems: expect.any(Array) },
      problems: body.error.problems.map((p: any) => p.message),
    });
    expect(body.error.problems.length).toBeGreaterThan(0);
    for (const p of body.error.problems)
      expect(p).toEqual({ field: expect.any(String), rule: expect.any(String), message: expect.stringMatching(new RegExp(`^${p.field}: `)) });
    expect(body.error.problems.map((p: any) => p.field)).toEqual(fields);
  }

  it('come in one shape for 400, 401, 403 and 404, each problem naming its field and rule', async () => {
    const base = stack.gatewayBase;
    const noToken = await fetch(`${base}/admin/exchanges`);
    expect(noToken.status).toBe(401);
    expectRefusal(await noToken.json(), 'UNAUTHENTICATED', ['authorization']);

    const issued = await admin('/admin/tokens', { method: 'POST', body: { exchange: 'bj' } });
    const bjToken = (await issued.json()).token;
    const forbidden = await fetch(`${base}/admin/exchanges/sh`, { method: 'DELETE', headers: { authorization: `Bearer ${bjToken}` } });
    expect(forbidden.status).toBe(403);
    expectRefusal(await forbidden.json(), 'FORBIDDEN', ['authorization']);

    const atlantis = await admin('/admin/exchanges', { method: 'POST', body: { ...SZ, province: 'Atlantis', divisionCode: '4403', url: szProxy.url } });
    expect(atlantis.status).toBe(400);
    const body = await atlantis.json();
    expectRefusal(body, 'INVALID_REGISTRATION', ['province', 'divisionCode']);
    expect(body.error.problems.map((p: any) => p.rule)).toEqual(['province-known', 'division-code-format']);

    const outside = await admin('/admin/exchanges', { method: 'POST', body: { ...SZ, divisionCode: '110105', url: szProxy.url } });
    expect(outside.status).toBe(400);
    expect((await outside.json()).problems).toEqual(['divisionCode: 110105 is not in province Guangdong (its codes start with 44)']);

    const unknown = await admin('/admin/exchanges/zz', { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expectRefusal(await unknown.json(), 'NOT_FOUND', ['id']);
  });
});
