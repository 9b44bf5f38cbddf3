import { defineConfig } from 'vitest/config';

// Two legs over the same suites: the embedded PostgreSQL server (the service's default) always, and a system
// PostgreSQL server when HINDSIGHT_TEST_DATABASE_URL names one (CI starts it). Suites whose answer does not
// depend on which server holds the data (pure units, recorded-history replay, fuzz, the Python and browser
// clients, the architecture checks) run once, in the embedded leg.
const postgresUrl = process.env.HINDSIGHT_TEST_DATABASE_URL;
const integration = ['test/**/*.test.ts'];
const sameOnEveryDatabase = [
  'test/domain/**',
  'test/deploy/**',
  'test/python/**',
  'test/fuzz/**',
  'test/cli/glob.test.ts',
  'test/temporal/**',
  'test/faults/embedded-store.test.ts',
  'test/browser/**',
  'test/architecture/**',
];
// Suites about a system server the suite starts and stops itself.
const postgresOnly = ['test/faults/database-restart.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'embedded',
          include: integration,
          exclude: postgresOnly,
          env: { HINDSIGHT_TEST_DATABASE_URL: '' },
        },
      },
      ...(postgresUrl
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: integration,
                exclude: sameOnEveryDatabase,
                env: { HINDSIGHT_TEST_DATABASE_URL: postgresUrl },
              },
            },
          ]
        : []),
    ],
  },
});
