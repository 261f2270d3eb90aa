/** Folding (group, bucket) rows into priceStats buckets: store/FoldedGroups.ts (the kept statistics fold there too). */
export { foldStatsRows } from './store/FoldedGroups.ts';
