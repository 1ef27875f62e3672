import { AWS_CALL_LIMIT_SCALE_VARIABLE, type AwsCallLimits, scaledAwsCallLimits } from "../functions/shared/aws-client-config";

/**
 * How much longer than on AWS every time limit is when the functions run against this machine's emulators:
 * each AWS call's limits (functions/shared/aws-client-config.ts) and the invocation's timeout alike, so the
 * relation between them — the worst case of a request's calls stays inside the function's timeout — holds
 * locally too.
 *
 * dynalite and the sandbox's Step Functions answer in about a millisecond on a quiet machine, but on a
 * shared 2-core machine running a test suite, 50 simultaneous requests to dynalite take seconds: with AWS's
 * 0.7 s per call most of them ended as 503 TimeoutError. The limits exist to answer a hanging AWS endpoint
 * in time; a busy emulator is not that, and tests that prove the limits themselves use AWS's.
 */
export const EMULATOR_TIME_LIMIT_SCALE = 20;

/** The AWS call limits for a client of this machine's emulators (tests that call them in process). */
export const EMULATOR_CALL_LIMITS: AwsCallLimits = scaledAwsCallLimits(EMULATOR_TIME_LIMIT_SCALE);

/** The variable that gives a function run by the local Lambda host the emulator limits. */
export const EMULATOR_CALL_LIMITS_ENVIRONMENT = { [AWS_CALL_LIMIT_SCALE_VARIABLE]: String(EMULATOR_TIME_LIMIT_SCALE) };
