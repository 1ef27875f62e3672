// asl-validator 4 ships no type declarations; this is the part of its API the tests use.
declare module "asl-validator" {
  interface ValidationOptions {
    /** Validate JSONPath expressions. @default true */
    readonly checkPaths?: boolean;
    /** Validate Task `Resource` ARNs. @default true */
    readonly checkArn?: boolean;
  }
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: ReadonlyArray<{ readonly "Error code"?: string; readonly Message?: string }>;
  }
  function validator(definition: unknown, options?: ValidationOptions): ValidationResult;
  export = validator;
}
