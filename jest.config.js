const os = require("node:os");

/** @type {import('jest').Config} */
module.exports = {
  // Many suites wait on child processes (synth, the Lambda host) rather than compute: one worker more
  // than there are cores keeps the machine busy. Jest's default is one fewer.
  maxWorkers: os.availableParallelism() + 1,
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Type checking is `tsc --noEmit` (npm test runs it first); here ts-jest only transpiles.
    "^.+\\.[tj]s$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  // canonicalize ships only as an ES module; it is transpiled like our own code.
  transformIgnorePatterns: ["/node_modules/(?!canonicalize/)"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
  // End-to-end suites start npm, synth and local servers; on a slow or busy machine that takes a while.
  testTimeout: 120_000,
};
