import { TerraformElement, type TerraformStack } from "../toolkit/cdktf";

/**
 * Which nested keys are blocks (`environment { … }`) rather than attributes (`tags = { … }`), by path:
 * `resource.aws_lambda_function/environment`, `provider.aws/default_tags`. Terraform's JSON syntax does
 * not tell the two apart; the provider schema does, and the generated provider classes carry it.
 */
export type BlockSchema = ReadonlySet<string>;

interface AttributeMetadata {
  readonly value?: unknown;
  readonly isBlock?: boolean;
  readonly is_block?: boolean;
}

/** The blocks used by every resource, data source and provider in a stack. */
export function blockSchemaOf(stack: TerraformStack): BlockSchema {
  const blocks = new Set<string>();
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof TerraformElement)) {
      continue;
    }
    const hcl = (construct as unknown as { toHclTerraform?: () => Record<string, unknown> }).toHclTerraform?.();
    for (const kind of ["resource", "data", "provider"] as const) {
      const byType = hcl?.[kind] as Record<string, unknown> | undefined;
      for (const [type, definitions] of Object.entries(byType ?? {})) {
        // Providers: type -> [config]; resources and data sources: type -> name -> config.
        const configs = kind === "provider" ? (definitions as unknown[]) : Object.values(definitions as Record<string, unknown>);
        for (const config of configs) {
          collectBlocks(config, `${kind}.${type}`, blocks);
        }
      }
    }
  }
  return blocks;
}

function collectBlocks(attributes: unknown, path: string, blocks: Set<string>): void {
  if (typeof attributes !== "object" || attributes === null) {
    return;
  }
  for (const [key, entry] of Object.entries(attributes as Record<string, AttributeMetadata>)) {
    if (typeof entry !== "object" || entry === null || !(entry.isBlock || entry.is_block)) {
      continue;
    }
    const blockPath = `${path}/${key}`;
    blocks.add(blockPath);
    for (const nested of Array.isArray(entry.value) ? entry.value : [entry.value]) {
      collectBlocks(nested, blockPath, blocks);
    }
  }
}
