/**
 * The bulk rows of the exchange contract (Query.datasetRows, docs/contract.md#bulk-rows): each listing as
 * one JSON array of these values, in this order. `key` is the listing's sort key, as in its cursor
 * ([sort, key, id]); the others are the Dataset fields of the same names (the price flattened, the
 * provider by its USCC). Read by the exchange that writes them and the gateway that reads them.
 */
export const DATASET_ROW_COLUMNS = [
  'key',
  'id',
  'productCode',
  'title',
  'titleZh',
  'description',
  'descriptionZh',
  'type',
  'category',
  'keywords',
  'providerUscc',
  'securityLevel',
  'personalInfo',
  'containsMinorsData',
  'dataOrigin',
  'delivery',
  'updateFrequency',
  'spatialCoverage',
  'priceModel',
  'priceAmount',
  'priceCurrency',
  'complianceAssessed',
  'listedAt',
  'updatedAt',
] as const;

/** The largest page of datasetRows (its `first`), and the page asked for when `first` is absent. */
export const MAX_DATASET_ROWS_PAGE = 5000;
export const DEFAULT_DATASET_ROWS_PAGE = 1000;
