const os = require("node:os");

/**
 * What every project shares: ts-jest transpiles (`tsc --noEmit` type-checks first). No setup file: the few test files
 * that use cdktf's or aws-sdk-client-mock's matchers install them (__tests__/support/cdktf-matchers.ts), so the rest
 * do not load cdktf for nothing.
 */
const shared = {
  testEnvironment: "node",
  transform: {
    // Type checking is `tsc --noEmit` (npm test runs it first); here ts-jest only transpiles.
    "^.+\\.[tj]s$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  // canonicalize ships only as an ES module; it is transpiled like our own code.
  transformIgnorePatterns: ["/node_modules/(?!canonicalize/)"],
};

/**
 * Two suites (README.md, Tests): `unit` — synthesis in process, the handlers, the ledger and workflows against
 * local emulators in process — is `npm test`, what a change is checked with (about 75 s on 2 cores);
 * `e2e` — the commands as a user runs them (`npm run synth`, `cdktf synth`, `npm run local`, `npm run bench`),
 * project copies synthesized in other directories, the real terraform CLI planning the output, and a client's
 * whole request lifecycle through the sandbox's HTTP API (re-runs 50 at a time, idempotency keys, the status
 * route's built functions) — is `npm run test:e2e`. CI (.ci/run) runs both, in that order.
 *
 * @type {import('jest').Config}
 */
module.exports = {
  // Many suites wait on child processes (synth, the Lambda host) rather than compute: one worker more
  // than there are cores keeps the machine busy. Jest's default is one fewer.
  maxWorkers: os.availableParallelism() + 1,
  // End-to-end suites start npm, synth, terraform and local servers; on a slow or busy machine that takes a while.
  testTimeout: 120_000,
  projects: [
    { ...shared, displayName: "unit", roots: ["<rootDir>/__tests__"], testMatch: ["<rootDir>/__tests__/*.test.ts"] },
    { ...shared, displayName: "e2e", roots: ["<rootDir>/__tests__/e2e"], testMatch: ["<rootDir>/__tests__/e2e/*.test.ts"] },
  ],
};
