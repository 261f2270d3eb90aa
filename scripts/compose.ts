/** `npm run compose`: writes schema/supergraph.graphql from the three subgraph schemas. */
import { writeFileSync } from 'node:fs';
import { composeSupergraph, SUPERGRAPH_PATH } from '../gateway/src/supergraph/composeSupergraph.ts';

try {
  writeFileSync(SUPERGRAPH_PATH, composeSupergraph());
  console.log(`wrote ${SUPERGRAPH_PATH}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
