import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, DEFAULT_EXCHANGES, type DatasetRecord, type ProviderKind } from '../../shared/domain.ts';
import { validateUscc } from '../../shared/uscc.ts';
import { CROSS_LISTED_SHARE, crossListedPoolIndices, crossListingExchanges, crossListingPoolSize, generateDatasets } from '../../seed/generate.ts';
import { PROVIDER_KIND_MIX, providerRegistry, providersByUscc, providersForDivision } from '../../seed/providers.ts';

const COUNT = 2000;
const rowsOf = (exchange: string, divisionCode: string, count = COUNT) => [...generateDatasets({ exchange, divisionCode, count })];
const hashOf = (rows: DatasetRecord[]) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');
const current = (row: DatasetRecord) => row.priceHistory[row.priceHistory.length - 1];

/** The four default exchanges, generated once with the same count as the demo does. */
const byExchange = new Map<string, DatasetRecord[]>();
beforeAll(() => {
  for (const e of DEFAULT_EXCHANGES) byExchange.set(e.id, rowsOf(e.id, e.divisionCode));
});
const allRows = () => [...byExchange.values()].flat();

describe('provider registry', () => {
  it('is fixed, sorted by USCC and built once', () => {
    const providers = providerRegistry();
    expect(providers).toBe(providerRegistry());
    expect(providers.length).toBe(600 + 1600 + 300 + 451 + 4 * 300);
    const usccs = providers.map((p) => p.uscc);
    expect([...usccs].sort()).toEqual(usccs);
  });

  it('gives every provider a valid, unique USCC whose division and authority match the record', () => {
    const providers = providerRegistry();
    expect(new Set(providers.map((p) => p.uscc)).size).toBe(providers.length);
    const authority: Record<ProviderKind, string> = {
      GOVERNMENT_DEPARTMENT: '1',
      PUBLIC_INSTITUTION: '1',
      SOCIAL_ORGANIZATION: '5',
      STATE_OWNED_ENTERPRISE: '9',
      PRIVATE_ENTERPRISE: '9',
      FOREIGN_INVESTED_ENTERPRISE: '9',
    };
    for (const p of providers) {
      expect(validateUscc(p.uscc), p.uscc).toEqual({ ok: true });
      expect(p.uscc.slice(2, 8)).toBe(p.divisionCode);
      expect(p.uscc[0]).toBe(authority[p.kind]);
    }
  });

  it('gives every provider a unique English and Chinese name', () => {
    const providers = providerRegistry();
    expect(new Set(providers.map((p) => p.name)).size).toBe(providers.length);
    expect(new Set(providers.map((p) => p.nameZh)).size).toBe(providers.length);
    expect(providers.map((p) => p.nameZh)).toContain('上海市市场监督管理局');
    expect(providers.map((p) => p.name)).toContain('China Mobile Guizhou Co., Ltd.');
    expect(providers.map((p) => p.nameZh)).toContain('太原市卫生健康委员会');
  });

  it('mixes kinds as the press reports: mostly government and public institutions', () => {
    const providers = providerRegistry();
    const share = (kind: ProviderKind) => providers.filter((p) => p.kind === kind).length / providers.length;
    expect(share('GOVERNMENT_DEPARTMENT') + share('PUBLIC_INSTITUTION')).toBeGreaterThanOrEqual(0.6);
    expect(share('GOVERNMENT_DEPARTMENT') + share('PUBLIC_INSTITUTION')).toBeLessThanOrEqual(0.66);
    expect(share('STATE_OWNED_ENTERPRISE')).toBeGreaterThanOrEqual(0.15);
    expect(share('STATE_OWNED_ENTERPRISE')).toBeLessThanOrEqual(0.2);
    expect(share('PRIVATE_ENTERPRISE')).toBeGreaterThanOrEqual(0.1);
    expect(share('PRIVATE_ENTERPRISE')).toBeLessThanOrEqual(0.15);
    expect(share('FOREIGN_INVESTED_ENTERPRISE')).toBeGreaterThanOrEqual(0.02);
    expect(share('FOREIGN_INVESTED_ENTERPRISE')).toBeLessThanOrEqual(0.03);
    expect(share('SOCIAL_ORGANIZATION')).toBeGreaterThanOrEqual(0.03);
    expect(share('SOCIAL_ORGANIZATION')).toBeLessThanOrEqual(0.05);
    expect(Object.values(PROVIDER_KIND_MIX).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('finds the providers of a division by its province and none for an unknown province', () => {
    const taiyuan = providersForDivision('140100');
    expect(taiyuan).toHaveLength(300);
    expect(taiyuan.every((p) => p.divisionCode.startsWith('14') && p.province === 'Shanxi')).toBe(true);
    expect(providersForDivision('310115')).toHaveLength(1600);
    expect(providersForDivision('650000')).toEqual([]);
    expect(providersByUscc().get(taiyuan[0].uscc)).toBe(taiyuan[0]);
  });
});

describe('generateDatasets', () => {
  it('yields the same rows for the same input', () => {
    expect(hashOf(rowsOf('bj', '110000'))).toBe(hashOf(byExchange.get('bj')!));
  });

  it('yields different rows for a different exchange', () => {
    expect(hashOf(byExchange.get('sh')!)).not.toBe(hashOf(byExchange.get('bj')!));
    expect(hashOf(rowsOf('sz', '440300', 200))).not.toBe(hashOf(rowsOf('hz', '330100', 200)));
  });

  it('numbers local ids from ds-000001 and gives each provider product its own code', () => {
    for (const rows of byExchange.values()) {
      expect(rows).toHaveLength(COUNT);
      expect(rows[0].localId).toBe('ds-000001');
      expect(rows[COUNT - 1].localId).toBe('ds-002000');
      const keys = new Set(rows.map((r) => `${r.providerUscc}/${r.productCode}`));
      expect(keys.size).toBe(COUNT);
      for (const r of rows) expect(r.productCode).toMatch(new RegExp(`^P-${r.providerUscc.slice(-6)}-\\d{4,}$`));
    }
  });

  it('never emits CORE data', () => {
    expect(allRows().some((r) => r.securityLevel === 'CORE')).toBe(false);
    expect(allRows().some((r) => r.securityLevel === 'IMPORTANT')).toBe(true);
  });

  it('only names providers of the registry, with their kind', () => {
    const registry = providersByUscc();
    for (const r of allRows()) {
      expect(validateUscc(r.providerUscc)).toEqual({ ok: true });
      expect(registry.get(r.providerUscc)?.kind).toBe(r.providerKind);
    }
  });

  it('takes most providers and most coverage from the exchange province', () => {
    for (const e of DEFAULT_EXCHANGES) {
      const rows = byExchange.get(e.id)!;
      const prefix = e.divisionCode.slice(0, 2);
      const localProviders = rows.filter((r) => r.providerUscc.slice(2, 4) === prefix).length / rows.length;
      expect(localProviders).toBeGreaterThan(0.75);
      expect(localProviders).toBeLessThan(0.92);
      const localCoverage = rows.filter((r) => r.spatialCoverage[0].startsWith(prefix)).length / rows.length;
      expect(localCoverage).toBeGreaterThan(0.8);
    }
  });

  it('lists mostly government and public-institution providers', () => {
    for (const rows of byExchange.values()) {
      const publicBodies = rows.filter((r) => r.providerKind === 'GOVERNMENT_DEPARTMENT' || r.providerKind === 'PUBLIC_INSTITUTION');
      expect(publicBodies.length / rows.length).toBeGreaterThan(0.5);
    }
  });

  it('covers every category in 2,000 rows', () => {
    for (const rows of byExchange.values()) {
      expect(new Set(rows.map((r) => r.category))).toEqual(new Set(CATEGORIES));
    }
  });

  it('titles the products the press names', () => {
    const named = [
      'Business Registration',
      'Corporate Tax',
      'Social Credit',
      'Vaccination Clinic Locations',
      'Water Collection Points',
      'Judicial Penalties',
      'Traffic Penalties',
      'Foreign Investment',
      'AI Training Images',
      "Audio Samples Including Children's Voices Gathered from Smartphones",
      'ID Verification',
      'Phone Network Status',
    ];
    for (const rows of byExchange.values()) {
      for (const phrase of named)
        expect(
          rows.some((r) => r.title.includes(phrase)),
          phrase,
        ).toBe(true);
    }
  });

  it('marks data about children as sensitive', () => {
    const minors = allRows().filter((r) => r.containsMinorsData);
    expect(minors.length).toBeGreaterThan(0);
    expect(minors.every((r) => r.personalInfo === 'SENSITIVE')).toBe(true);
    expect(minors.some((r) => r.category === 'AUDIO_SAMPLES')).toBe(true);
  });

  it('writes amounts as decimal strings, "0.00" when free and null when negotiable', () => {
    for (const r of allRows()) {
      for (const point of r.priceHistory) {
        if (point.model === 'NEGOTIABLE') expect(point.amount).toBeNull();
        else if (point.model === 'FREE') expect(point.amount).toBe('0.00');
        else {
          expect(point.amount).toMatch(/^\d+\.\d{2,6}$/);
          expect(Number(point.amount)).toBeGreaterThan(0);
        }
      }
    }
  });

  it('prices the press examples within their published ranges', () => {
    const amounts = (phrase: string) => {
      const found = allRows()
        .filter((r) => r.title.includes(phrase))
        .map(current);
      expect(found.length, phrase).toBeGreaterThan(0);
      return found;
    };
    for (const p of amounts('ID Verification (Name and ID Number)')) {
      expect(p.model).toBe('PER_CALL');
      expect(Number(p.amount)).toBeGreaterThanOrEqual(0.07);
      expect(Number(p.amount)).toBeLessThanOrEqual(0.5);
    }
    for (const p of amounts('Phone Network Status')) {
      expect(Number(p.amount)).toBeGreaterThanOrEqual(0.4);
      expect(Number(p.amount)).toBeLessThanOrEqual(0.5);
    }
    for (const p of amounts('Face Comparison')) expect(p).toMatchObject({ model: 'MONTHLY', amount: '3000.00' });
    for (const p of amounts('Image Recognition API')) {
      expect(Number(p.amount)).toBeGreaterThanOrEqual(0.003);
      expect(Number(p.amount)).toBeLessThanOrEqual(0.02);
    }
  });

  it('keeps 1 to 6 price points in time order within 2015-2026, listedAt first and updatedAt after', () => {
    const start = Date.parse('2015-01-01T00:00:00Z');
    const lastEffective = Date.parse('2026-10-31T23:59:59Z');
    const end = Date.parse('2026-12-31T23:59:59Z');
    for (const r of allRows()) {
      expect(r.priceHistory.length).toBeGreaterThanOrEqual(1);
      expect(r.priceHistory.length).toBeLessThanOrEqual(6);
      const times = r.priceHistory.map((p) => Date.parse(p.effectiveAt));
      for (let k = 1; k < times.length; k++) expect(times[k]).toBeGreaterThan(times[k - 1]);
      expect(times[0]).toBeGreaterThanOrEqual(start);
      expect(times[times.length - 1]).toBeLessThanOrEqual(lastEffective);
      expect(r.listedAt).toBe(r.priceHistory[0].effectiveAt);
      expect(Date.parse(r.updatedAt)).toBeGreaterThanOrEqual(Date.parse(r.listedAt));
      expect(Date.parse(r.updatedAt)).toBeLessThanOrEqual(end);
      for (const text of [r.listedAt, r.updatedAt]) expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('passes compliance review for nearly every listing', () => {
    const assessed = allRows().filter((r) => r.complianceAssessed).length / allRows().length;
    expect(assessed).toBeGreaterThan(0.95);
    expect(assessed).toBeLessThan(1);
  });
});

describe('cross-listing', () => {
  it('derives the shared pool from the count alone', () => {
    // Each pool product is on 2 or 3 of the 4 exchanges (2.5 on average), and a tenth of each exchange's
    // rows are pool products: S = count * 0.1 / (2.5 / 4).
    expect(crossListingPoolSize(COUNT)).toBe(Math.round((COUNT * 0.1) / (2.5 / 4)));
    expect(crossListingPoolSize(250_000)).toBe(40_000);
    // The generated rows agree: the products listed on two exchanges or more are exactly the pool.
    const listers = new Map<string, Set<string>>();
    for (const [id, rows] of byExchange) {
      for (const r of rows) {
        const key = `${r.providerUscc}/${r.productCode}`;
        if (!listers.has(key)) listers.set(key, new Set());
        listers.get(key)!.add(id);
      }
    }
    expect([...listers.values()].filter((exchanges) => exchanges.size >= 2).length).toBe(crossListingPoolSize(COUNT));
    for (let j = 0; j < 50; j++) {
      const exchanges = crossListingExchanges(j);
      expect(exchanges.length === 2 || exchanges.length === 3).toBe(true);
      expect(new Set(exchanges).size).toBe(exchanges.length);
    }
    expect(crossListedPoolIndices('sz', COUNT)).toEqual([]);
  });

  it('cross-lists about one product in ten on each default exchange, at another price', () => {
    const keyOf = (r: DatasetRecord) => `${r.providerUscc}/${r.productCode}`;
    const onExchange = new Map([...byExchange].map(([id, rows]) => [id, new Map(rows.map((r) => [keyOf(r), r]))]));
    for (const [id, rows] of byExchange) {
      let shared = 0;
      let pricedDifferently = 0;
      for (const row of rows) {
        const twins = [...onExchange]
          .filter(([other]) => other !== id)
          .map(([, map]) => map.get(keyOf(row)))
          .filter((r) => r !== undefined);
        if (twins.length === 0) continue;
        shared++;
        for (const twin of twins) {
          expect(twin.title).toBe(row.title);
          expect(twin.category).toBe(row.category);
        }
        if (twins.every((twin) => current(twin).amount !== current(row).amount && current(twin).amount !== null)) pricedDifferently++;
      }
      const share = shared / rows.length;
      expect(share, id).toBeGreaterThanOrEqual(0.07);
      expect(share, id).toBeLessThanOrEqual(0.15);
      expect(Math.abs(share - CROSS_LISTED_SHARE)).toBeLessThan(0.03);
      expect(pricedDifferently, id).toBe(shared);
    }
  });
});
