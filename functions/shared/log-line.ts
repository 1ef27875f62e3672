/**
 * Writes one log record as one JSON line on stdout, stamped with the time. Straight to stdout rather than
 * through `console`, which the Lambda runtime rewrites into its own text or JSON envelope: the line stays
 * one JSON object whatever the function's log format, so CloudWatch Logs Insights can query every field.
 */
export function writeLogLine(record: object): void {
  process.stdout.write(`${JSON.stringify({ timestamp: new Date().toISOString(), ...record })}\n`);
}
