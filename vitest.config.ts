import { defineConfig } from 'vitest/config';

// Three layers, split by file name: unit (*.test.ts), integration with servers in process
// (*.int.test.ts) and end to end over real processes (*.e2e.ts). `npm test` runs them all.
export default defineConfig({
  // Node resolves `graphql` to its CommonJS build (as @apollo/* require it); Vite would pick the ESM
  // build for test files, and graphql-js refuses to mix schema objects of two builds.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
