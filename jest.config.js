/** @type {import('jest').Config} */
module.exports = {
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
  testTimeout: 30000,
};
