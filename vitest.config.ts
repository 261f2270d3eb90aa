import { defineConfig } from 'vitest/config';

// Two layers, split by file name: *.test.ts (in process) and *.e2e.ts (end to end over real processes).
// `npm test` runs both.
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
