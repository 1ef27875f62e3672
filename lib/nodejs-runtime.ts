/**
 * The Lambda runtime every function runs on, named once: the functions are deployed with it, their bundles are
 * built for its Node.js major, and the local sandbox reports it as Lambda does (AWS_EXECUTION_ENV), from the
 * synthesized functions. package.json's `engines` and its Node.js package follow the same major, which
 * __tests__/project-conventions.test.ts holds them to.
 */
export const NODEJS_RUNTIME = "nodejs22.x";

/** esbuild's target for the runtime: `nodejs22.x` -> `node22`. */
export const NODEJS_BUNDLE_TARGET = `node${nodeMajorOf(NODEJS_RUNTIME)}`;

/** The Node.js major of a Lambda runtime identifier such as `nodejs22.x`. */
export function nodeMajorOf(runtime: string): number {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (major === undefined) {
    throw new Error(`${runtime} is not a Lambda Node.js runtime identifier (nodejs<major>.x).`);
  }
  return Number(major);
}
