import { defineConfig } from 'vitest/config';

// Two layers, two projects. `unit` (test/unit/*.test.ts): the logic in this process, no child processes
// (a few start an HTTP server or a subgraph in process on a free port). `e2e` (test/e2e/*.e2e.ts): real
// processes on free ports and real Redis. `npm test` runs both; `vitest run --project unit` runs one.
export default defineConfig({
  // Node resolves `graphql` to its CommonJS build (as @apollo/* require it); Vite would pick the ESM
  // build for test files, and graphql-js refuses to mix schema objects of two builds.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.e2e.ts'] } },
    ],
  },
});
