import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The regions the pinned AWS SDK knows, by partition, from the partition table its endpoint resolver uses
 * (@aws-sdk/core, as @aws-sdk/client-sfn resolves it). Read as a file because the SDK exports only a
 * lookup, not the list; a new region becomes valid here when the SDK is updated.
 */
let partitionByRegion: ReadonlyMap<string, string> | undefined;

function partitionTable(): ReadonlyMap<string, string> {
  if (!partitionByRegion) {
    const sfnClient = path.dirname(require.resolve("@aws-sdk/client-sfn/package.json"));
    const core = path.dirname(require.resolve("@aws-sdk/core/package.json", { paths: [sfnClient] }));
    const source = fs.readFileSync(
      path.join(core, "dist-es", "submodules", "client", "util-endpoints", "lib", "aws", "partitions.js"),
      "utf8",
    );
    const table = JSON.parse(source.replace(/^export const partitionsInfo = /, "").replace(/;\s*$/, "")) as {
      partitions: Array<{ id: string; regions: Record<string, unknown> }>;
    };
    partitionByRegion = new Map(
      table.partitions.flatMap((partition) =>
        Object.keys(partition.regions)
          // "aws-global", "aws-cn-global", …: signing pseudo-regions, not places to deploy.
          .filter((region) => !region.startsWith("aws-"))
          .map((region) => [region, partition.id] as const),
      ),
    );
  }
  return partitionByRegion;
}

export function knownRegions(): readonly string[] {
  return [...partitionTable().keys()];
}

/**
 * The partition of a known region, the second field of every ARN there: `aws`, `aws-cn` (China),
 * `aws-us-gov` (GovCloud), … Throws for a region the SDK does not know (configuration refuses those).
 */
export function partitionOf(region: string): string {
  const partition = partitionTable().get(region);
  if (!partition) throw new Error(`No partition for region ${JSON.stringify(region)}: ${regionProblem(region)}`);
  return partition;
}

/** Why `region` is not a region, naming the nearest known ones; undefined when it is one. */
export function regionProblem(region: string): string | undefined {
  const regions = knownRegions();
  if (regions.includes(region)) {
    return undefined;
  }
  const nearest = [...regions]
    .map((candidate) => ({ candidate, distance: editDistance(region, candidate) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
  return `is not one of the ${regions.length} regions the AWS SDK knows; nearest: ${nearest.join(", ")}; got ${JSON.stringify(region)}.`;
}

/** Levenshtein distance: insertions, deletions and substitutions, each 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
