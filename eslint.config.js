// ESLint: the recommended rules of ESLint and typescript-eslint. No type-aware rules: they would type-check
// the project again on every run, and `npm run lint` runs `tsc --noEmit` already.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/node_modules/', 'coverage/', 'data/', 'tmp/', '.scratch/', 'web/dist/', 'web/.dist-*/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
    rules: {
      // A leading `_` marks a name that is unused on purpose (a parameter a signature requires).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // The web app runs in the browser (docs/web-app.md).
    files: ['web/src/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests, the benchmark and the gateway's readers of other services' answers walk GraphQL JSON whose shape
    // the next line checks (expect, or a guard); typing every answer would only restate the query.
    files: [
      'test/**',
      'bench/**',
      // The conformance kit's whole job is to read and judge a foreign exchange's JSON.
      'conformance/**',
      '**/FlakyProxy.ts',
      // The soak judges the gateway's answers against the catalog read directly.
      'devkit/soak/**',
      '**/postGraphQLOnce.ts',
      '**/statisticsMerge.ts',
      '**/ShardRouter.ts',
      '**/ExchangeClient.ts',
      '**/exchangeErrors.ts',
      '**/keysetMerge.ts',
      '**/statsMerge.ts',
      '**/urlGuard.ts',
      '**/ExchangeRegistry.ts',
      '**/responseCachePlugin.ts',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
