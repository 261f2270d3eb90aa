import { CURRENCY, type PricePointRecord } from '../../shared/domain.ts';
import { formatMicros } from '../../shared/money.ts';
import type { DatasetRow } from './store/DatasetStore.ts';

/**
 * The GraphQL shape of one stored row; references to Exchange and Provider are stubs the gateway resolves.
 * Every field is a getter on the prototype, computed only when a request selects it (graphql-js reads
 * `source[field]`): a page row may also hold only the columns its request needs (datasetColumns.ts). One
 * object per row and no closures: an object literal with getters built a fresh accessor pair per getter
 * and per row (seen in the exchange's profile under the scale-out benchmark, docs/scale-out.md).
 */
class DatasetView {
  constructor(private readonly row: DatasetRow) {}

  get id() {
    return this.row.id;
  }
  get exchange() {
    return { id: this.row.id.slice(0, this.row.id.indexOf(':')) };
  }
  get productCode() {
    return this.row.product_code;
  }
  get title() {
    return this.row.title;
  }
  get titleZh() {
    return this.row.title_zh;
  }
  get description() {
    return this.row.description;
  }
  get descriptionZh() {
    return this.row.description_zh;
  }
  get type() {
    return this.row.type;
  }
  get category() {
    return this.row.category;
  }
  get keywords() {
    return JSON.parse(this.row.keywords as string) as string[];
  }
  get provider() {
    return { uscc: this.row.provider_uscc };
  }
  get securityLevel() {
    return this.row.security_level;
  }
  get personalInfo() {
    return this.row.personal_info;
  }
  get containsMinorsData() {
    return this.row.contains_minors === 1;
  }
  get dataOrigin() {
    return this.row.data_origin;
  }
  get delivery() {
    return this.row.delivery;
  }
  get updateFrequency() {
    return this.row.update_frequency;
  }
  get spatialCoverage() {
    return JSON.parse(this.row.spatial_coverage as string) as string[];
  }
  get price() {
    const row = this.row;
    return { model: row.price_model, amount: row.price_micros === null ? null : formatMicros(row.price_micros), currency: CURRENCY };
  }
  get priceHistory() {
    return (JSON.parse(this.row.price_history as string) as PricePointRecord[]).map((point) => ({ ...point, currency: CURRENCY }));
  }
  get complianceAssessed() {
    return this.row.compliance_assessed === 1;
  }
  get listedAt() {
    return this.row.listed_at;
  }
  get updatedAt() {
    return this.row.updated_at;
  }
}

export function toDataset(row: DatasetRow): DatasetView {
  return new DatasetView(row);
}
