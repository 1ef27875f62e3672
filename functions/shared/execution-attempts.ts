/**
 * Attempts of one request. The first runs under the request's own execution name (its key's hash); when a
 * workflow re-runs failed requests (`rerun: "after-failure"`) and Step Functions can no longer redrive the
 * last attempt, the next runs under `<name>-<attempt>`: 2, 3, … A request's names are hex digests, so a
 * suffixed name never equals another request's, and `<64 hex>-100` is 68 characters, within the 80 allowed.
 */

/** At most this many attempts of one request; the last one's failure is final. */
export const MAX_ATTEMPTS = 100;

/** An execution name with its attempt: the request's name and which attempt of it (1 for the name itself). */
export interface ExecutionAttempt {
  readonly requestName: string;
  readonly attempt: number;
}

/** The name attempt `attempt` of a request runs under. */
export function attemptExecutionName(requestName: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > MAX_ATTEMPTS) {
    throw new RangeError(`attempt must be a whole number from 1 to ${MAX_ATTEMPTS}; got ${attempt}.`);
  }
  return attempt === 1 ? requestName : `${requestName}-${attempt}`;
}

const ATTEMPT_SUFFIX = /^(.+)-([2-9]|[1-9]\d|100)$/;

/** Which request and attempt an execution name is; a name without a suffix is attempt 1 of itself. */
export function parseAttemptName(executionName: string): ExecutionAttempt {
  const match = ATTEMPT_SUFFIX.exec(executionName);
  return match ? { requestName: match[1], attempt: Number(match[2]) } : { requestName: executionName, attempt: 1 };
}
