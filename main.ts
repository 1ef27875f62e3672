import { App } from "cdktf";
import { appContext } from "./lib/cdktf-context";
import { ConfigError } from "./lib/config/config-error";
import { ConfigReader } from "./lib/config/config-reader";
import { triggerConfigFrom } from "./lib/config/trigger-config";
import { DedupTriggerStack } from "./lib/dedup-trigger-stack";

try {
  const context = appContext();
  // Checked before the App exists: a configuration error leaves no output behind.
  const config = triggerConfigFrom(ConfigReader.object(context, "context"));
  const app = new App({ context });
  new DedupTriggerStack(app, "default", config);
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) {
    throw error;
  }
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
