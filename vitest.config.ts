import { defineConfig } from 'vitest/config';

// Pure logic (analysis, export rendering, docs checks) needs no database; everything else runs against a real
// PostgreSQL that the global setup provides (DATABASE_URL, or the embedded default).
const pureLogic = ['test/analysis/**/*.test.ts', 'test/report/**/*.test.ts', 'test/export/**/*.test.ts', 'test/docs/**/*.test.ts', 'test/cli-output/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // CI also writes machine-readable results; .ci/run prints the pass/fail summary line from them.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results.json' },
    projects: [
      { extends: true, test: { name: 'unit', include: pureLogic } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: pureLogic,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
