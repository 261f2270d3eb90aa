/** `npm run docs:vocabulary`: writes docs/vocabulary.md from schema/supergraph.graphql and shared/synonyms.ts. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUPERGRAPH_SDL_PATH, VOCABULARY_DOC_PATH, vocabularyMarkdown } from './lib/vocabularyMarkdown.ts';

try {
  const path = fileURLToPath(VOCABULARY_DOC_PATH);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, vocabularyMarkdown(readFileSync(SUPERGRAPH_SDL_PATH, 'utf8')));
  console.log(`wrote ${path}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
