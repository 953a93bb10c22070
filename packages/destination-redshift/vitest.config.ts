import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-redshift',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One throwaway PostgreSQL server for the whole run, with the Redshift compatibility profile.
    globalSetup: ['../../vitest.tmpdir.ts', 'test/redshift-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // s3rver (the S3 test server, in this process) opens an object's file without an error handler when it answers a
    // request; a file it is replacing or deleting at that moment surfaces as an uncaught ENOENT on its own
    // `*._S3rver_object` file. That is the test server's race, not sluice's: the request it belongs to fails and is
    // retried or reported by the test that made it. Every other uncaught error still fails the run.
    onUnhandledError: (error) =>
      !(
        (error as NodeJS.ErrnoException).code === 'ENOENT' &&
        String((error as NodeJS.ErrnoException).path ?? '').endsWith('._S3rver_object')
      ),
  },
})
