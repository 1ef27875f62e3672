/**
 * What CloudWatch takes as a dimension value: 1 to 1024 ASCII characters, no control characters, not blank
 * (the rules of PutMetricData's Dimension, which EMF's extracted metrics follow).
 */
export const DIMENSION_VALUE = /^(?=.*[^ ])[ -~]{1,1024}$/;

/**
 * A dimension value from the function's environment. A function deployed without it, or with a value
 * CloudWatch would refuse, fails to initialise naming the variable, rather than write lines whose metrics
 * CloudWatch drops.
 */
export function metricDimensionFrom(env: NodeJS.ProcessEnv, variable: string): string {
  const value = env[variable] ?? "";
  if (!DIMENSION_VALUE.test(value)) {
    throw new Error(`${variable} must be a metric dimension value (1-1024 printable ASCII characters, not blank); got "${value}".`);
  }
  return value;
}
