import type { StateConfig } from "./config/environment-config";
import { LocalBackend, S3Backend, type TerraformStack } from "./toolkit/cdktf";

/**
 * Where the stack's state lives. Remote: S3, encrypted, locked with S3's own lock file (Terraform >= 1.10;
 * the DynamoDB lock table is deprecated), through the state account's role when there is one. Local: a
 * file at the repository root, named by a path relative to the directory terraform runs in
 * (cdktf.out/stacks/<stack>), so no machine path is written into the output.
 */
export function stateBackend(stack: TerraformStack, state: StateConfig | undefined): void {
  if (!state) {
    new LocalBackend(stack, { path: `../../../terraform.${stack.node.id}.tfstate` });
    return;
  }
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: state.key,
    region: state.region,
    encrypt: true,
    kmsKeyId: state.kmsKeyId,
    assumeRole: state.roleArn ? { roleArn: state.roleArn, sessionName: `${stack.node.id}-state` } : undefined,
  });
  // cdktf 0.21's S3Backend predates use_lockfile.
  backend.addOverride("use_lockfile", true);
}
