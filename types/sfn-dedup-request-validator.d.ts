// The start-execution function's request validator: a virtual module that lib/nodejs-bundle.ts resolves to
// the code lib/request-validator.ts generates from the workflow's schema. It exists only in bundles.
declare module "sfn-dedup:request-validator" {
  import type { ErrorObject } from "ajv";

  /** Ajv's standalone validator: true for a body the schema accepts; otherwise the reasons are left on `errors`. */
  const validate: {
    (body: unknown): boolean;
    errors?: ErrorObject[] | null;
  };
  export default validate;
}
