/**
 * Writes conformance/exchangeContract.ts from schema/exchange.graphql, so the kit carries the contract
 * and runs from a copy of this folder alone. Run after changing the contract: `npm run conformance:contract`
 * (test/contractCheck.test.ts fails while the two differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../schema/exchange.graphql', import.meta.url));
const target = fileURLToPath(new URL('./exchangeContract.ts', import.meta.url));
const sdl = readFileSync(source, 'utf8');
const literal = sdl.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
writeFileSync(
  target,
  `// Generated from schema/exchange.graphql by conformance/writeContract.ts: do not edit.
/** The exchange contract, schema/exchange.graphql, as text. */
export const CONTRACT_SDL: string = \`${literal}\`;
`,
);
console.log(`wrote ${target}`);
