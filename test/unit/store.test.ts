import { describe, it, expect } from 'vitest';
import { DatasetStore, IngestError } from '../../subgraphs/exchange/store/DatasetStore.ts';
import type { DatasetRecord } from '../../shared/domain.ts';

function record(localId: string, overrides: Partial<DatasetRecord> = {}): DatasetRecord {
  return {
    localId,
    productCode: `P-${localId}`,
    title: 'Vaccination clinic locations',
    titleZh: '疫苗接种点位置数据',
    description: 'Locations of clinics',
    descriptionZh: '接种门诊位置',
    type: 'DATASET',
    category: 'PUBLIC_HEALTH',
    keywords: ['vaccination', '疫苗'],
    providerUscc: '91110000600037341L',
    providerKind: 'GOVERNMENT_DEPARTMENT',
    securityLevel: 'GENERAL',
    personalInfo: 'NONE',
    containsMinorsData: false,
    dataOrigin: 'PUBLIC',
    delivery: 'FILE',
    updateFrequency: 'MONTHLY',
    spatialCoverage: ['140100'],
    priceHistory: [{ model: 'FREE', amount: '0.00', effectiveAt: '2020-01-01T00:00:00.000Z' }],
    complianceAssessed: true,
    listedAt: '2020-01-01T00:00:00.000Z',
    updatedAt: '2021-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('DatasetStore ingest', () => {
  it('refuses CORE data and stores nothing of the batch', () => {
    const store = new DatasetStore('ty', ':memory:');
    store.ingest([record('ds-000001')]);
    const version = store.catalogVersion;
    expect(() => store.ingest([record('ds-000002'), record('ds-000003', { securityLevel: 'CORE' as never })])).toThrow(IngestError);
    expect(() => store.ingest([record('ds-000004', { securityLevel: 'CORE' as never })])).toThrow(/CORE is never listed/);
    const count = store.db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number };
    expect(count.n).toBe(1);
    expect(store.catalogVersion).toBe(version);
    store.close();
  });

  it('refuses a price that breaks the model rules', () => {
    const store = new DatasetStore('ty', ':memory:');
    expect(() => store.ingest([record('ds-1', { priceHistory: [{ model: 'NEGOTIABLE', amount: '5.00', effectiveAt: '2020-01-01T00:00:00Z' }] })])).toThrow(
      /NEGOTIABLE/,
    );
    expect(() => store.ingest([record('ds-1', { priceHistory: [] })])).toThrow(/at least one point/);
    store.close();
  });

  it('bumps the catalog version with every change', () => {
    const store = new DatasetStore('ty', ':memory:');
    const v0 = store.catalogVersion;
    store.ingest([record('ds-000001')]);
    const v1 = store.catalogVersion;
    store.updatePrice('ty:ds-000001', 'PER_CALL', '0.30');
    expect(new Set([v0, v1, store.catalogVersion]).size).toBe(3);
    store.close();
  });
});
