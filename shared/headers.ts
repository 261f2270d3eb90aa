/** Sent by every exchange on every answer: changes whenever the exchange's data changes. */
export const CATALOG_VERSION_HEADER = 'x-catalog-version';
/** Sent by every exchange: how many SQL statements the request ran (proves batching in tests). */
export const SQL_STATEMENTS_HEADER = 'x-sql-statements';
