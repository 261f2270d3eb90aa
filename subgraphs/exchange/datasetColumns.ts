import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The store columns a page must read for the Dataset fields a request selects. A page row holds ~1.5 KB
 * of text (descriptions in two languages, price history...): reading every column of 21 rows costs
 * several times more than the SQL that finds them, and most requests (a listing) show a few fields.
 *
 * null means "every column": the selection holds something this map does not know, so nothing is guessed.
 * @skip/@include are not evaluated: a field they leave out only costs its columns.
 */
const COLUMNS_BY_FIELD: Record<string, readonly string[]> = {
  __typename: [],
  id: ['id'],
  exchange: ['id'],
  productCode: ['product_code'],
  title: ['title'],
  titleZh: ['title_zh'],
  description: ['description'],
  descriptionZh: ['description_zh'],
  type: ['type'],
  category: ['category'],
  keywords: ['keywords'],
  provider: ['provider_uscc'],
  securityLevel: ['security_level'],
  personalInfo: ['personal_info'],
  containsMinorsData: ['contains_minors'],
  dataOrigin: ['data_origin'],
  delivery: ['delivery'],
  updateFrequency: ['update_frequency'],
  spatialCoverage: ['spatial_coverage'],
  price: ['price_model', 'price_micros'],
  priceHistory: ['price_history'],
  complianceAssessed: ['compliance_assessed'],
  listedAt: ['listed_at'],
  updatedAt: ['updated_at'],
};

/** Every page row carries these: the id (cursor, prefix) and all sort keys (cursor of any sort). */
const ALWAYS = ['id', 'updated_ms', 'price_asc', 'price_desc', 'title'];

type Fragments = Record<string, FragmentDefinitionNode>;

/** Field nodes of a selection set, through inline fragments and fragment spreads. */
function fieldsOf(set: SelectionSetNode | undefined, fragments: Fragments, out: FieldNode[] = [], seen = new Set<string>()): FieldNode[] | null {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (fieldsOf(selection.selectionSet, fragments, out, seen) === null) return null;
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = fragments[name];
      if (!fragment || fieldsOf(fragment.selectionSet, fragments, out, seen) === null) return null;
    }
  }
  return out;
}

/** Columns for the Dataset fields under a connection field's `nodes` and `edges { node }`; null for all. */
export function datasetColumns(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): string[] | null {
  const columns = new Set(ALWAYS);
  const addDatasetFields = (set: SelectionSetNode | undefined): boolean => {
    const fields = fieldsOf(set, info.fragments);
    if (fields === null) return false;
    for (const field of fields) {
      const wanted = COLUMNS_BY_FIELD[field.name.value];
      if (!wanted) return false;
      for (const column of wanted) columns.add(column);
    }
    return true;
  };
  for (const connection of info.fieldNodes) {
    const fields = fieldsOf(connection.selectionSet, info.fragments);
    if (fields === null) return null;
    for (const field of fields) {
      if (field.name.value === 'nodes' && !addDatasetFields(field.selectionSet)) return null;
      if (field.name.value === 'edges') {
        const edgeFields = fieldsOf(field.selectionSet, info.fragments);
        if (edgeFields === null) return null;
        for (const edgeField of edgeFields) if (edgeField.name.value === 'node' && !addDatasetFields(edgeField.selectionSet)) return null;
      }
    }
  }
  return [...columns];
}
