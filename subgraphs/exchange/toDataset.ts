import { CURRENCY, type PricePointRecord } from '../../shared/domain.ts';
import { formatMicros } from '../../shared/money.ts';
import type { DatasetRow } from './store/DatasetStore.ts';

/**
 * The GraphQL shape of one stored row; references to Exchange and Provider are stubs the gateway resolves.
 * The fields that need work (JSON columns, the price) are getters, computed only when a request selects
 * them: a page row may also hold only the columns its request needs (datasetColumns.ts).
 */
export function toDataset(row: DatasetRow) {
  return {
    id: row.id,
    get exchange() {
      return { id: row.id.slice(0, row.id.indexOf(':')) };
    },
    productCode: row.product_code,
    title: row.title,
    titleZh: row.title_zh,
    description: row.description,
    descriptionZh: row.description_zh,
    type: row.type,
    category: row.category,
    get keywords() {
      return JSON.parse(row.keywords as string) as string[];
    },
    get provider() {
      return { uscc: row.provider_uscc };
    },
    securityLevel: row.security_level,
    personalInfo: row.personal_info,
    get containsMinorsData() {
      return row.contains_minors === 1;
    },
    dataOrigin: row.data_origin,
    delivery: row.delivery,
    updateFrequency: row.update_frequency,
    get spatialCoverage() {
      return JSON.parse(row.spatial_coverage as string) as string[];
    },
    get price() {
      return { model: row.price_model, amount: row.price_micros === null ? null : formatMicros(row.price_micros), currency: CURRENCY };
    },
    get priceHistory() {
      return (JSON.parse(row.price_history as string) as PricePointRecord[]).map((point) => ({ ...point, currency: CURRENCY }));
    },
    get complianceAssessed() {
      return row.compliance_assessed === 1;
    },
    listedAt: row.listed_at,
    updatedAt: row.updated_at,
  };
}
