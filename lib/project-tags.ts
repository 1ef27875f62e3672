import { PROJECT_NAME } from "./resource-names";

/** The default tags of every resource a stack creates: the project's own, then the configured ones. */
export function defaultTags(environment: string, extra: Readonly<Record<string, string>>): Record<string, string> {
  return { ...extra, project: PROJECT_NAME, environment, "managed-by": "cdktf" };
}
