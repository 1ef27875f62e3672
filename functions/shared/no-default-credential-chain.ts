/**
 * What the bundles get in place of `@aws-sdk/credential-provider-node`, the SDK's default credential chain
 * (lib/nodejs-bundle.ts aliases it here). Every client the functions build takes its credentials from the
 * environment (awsClientConfig in ./aws-client-config.ts), so the chain is never called; but each client's
 * runtime config imports it as a fallback, and esbuild cannot tell that the fallback is dead, so without
 * the alias about 140 KB of providers Lambda never reaches would ship in every bundle.
 *
 * A client built without awsClientConfig would land here on its first call, and fail saying why rather
 * than look for credentials somewhere Lambda has none.
 */
export function defaultProvider(): () => Promise<never> {
  return () =>
    Promise.reject(
      new Error(
        "This bundle has no default credential chain: build AWS clients with awsClientConfig() (functions/shared/aws-client-config.ts).",
      ),
    );
}
