import { CURRENCY, type PricePointRecord } from '../../shared/domain.ts';
import { formatMicros } from '../../shared/money.ts';
import type { DatasetRow } from './store/DatasetStore.ts';

/** The GraphQL shape of one stored row; references to Exchange and Provider are stubs the gateway resolves. */
export function toDataset(row: DatasetRow) {
  const exchangeId = row.id.slice(0, row.id.indexOf(':'));
  return {
    id: row.id,
    exchange: { id: exchangeId },
    productCode: row.product_code,
    title: row.title,
    titleZh: row.title_zh,
    description: row.description,
    descriptionZh: row.description_zh,
    type: row.type,
    category: row.category,
    keywords: JSON.parse(row.keywords as string) as string[],
    provider: { uscc: row.provider_uscc },
    securityLevel: row.security_level,
    personalInfo: row.personal_info,
    containsMinorsData: row.contains_minors === 1,
    dataOrigin: row.data_origin,
    delivery: row.delivery,
    updateFrequency: row.update_frequency,
    spatialCoverage: JSON.parse(row.spatial_coverage as string) as string[],
    price: { model: row.price_model, amount: row.price_micros === null ? null : formatMicros(row.price_micros), currency: CURRENCY },
    priceHistory: (JSON.parse(row.price_history as string) as PricePointRecord[]).map((point) => ({ ...point, currency: CURRENCY })),
    complianceAssessed: row.compliance_assessed === 1,
    listedAt: row.listed_at,
    updatedAt: row.updated_at,
  };
}
