import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { EMULATOR_CALL_LIMITS_ENVIRONMENT, EMULATOR_TIME_LIMIT_SCALE } from "./emulator-time-limits";

export interface LambdaHostOptions {
  /** The deployment package, exactly as synth wrote it. */
  readonly zipFile: string;
  /** The function's `handler` string, e.g. `index.handler`. */
  readonly handler: string;
  /** The function's environment variables, plus any endpoint overrides (`AWS_ENDPOINT_URL_SFN`). */
  readonly environment: Readonly<Record<string, string>>;
  readonly functionName: string;
  readonly region: string;
  /** The function's runtime, as synthesized (`nodejs22.x`): Lambda names it in AWS_EXECUTION_ENV. */
  readonly runtime: string;
  /** The function's timeout on Lambda; here it is EMULATOR_TIME_LIMIT_SCALE times longer. */
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Every line the function writes to stdout or stderr. */
  readonly onLog?: (line: string) => void;
}

/** How an invocation failed, as Lambda reports it (`errorType`, `errorMessage`). */
export class LambdaInvocationError extends Error {
  constructor(
    public readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = "LambdaInvocationError";
  }
}

type RunnerMessage =
  | { type: "ready" }
  | { type: "init-error"; error: { errorType: string; errorMessage: string } }
  | { type: "result"; id: string; result: unknown }
  | { type: "error"; id: string; error: { errorType: string; errorMessage: string } };

const RUNNER = path.join(__dirname, "lambda-runner.mjs");

/**
 * One Lambda execution environment on this machine: the zip is unpacked into a task root and loaded in a
 * separate Node.js process that sees only the variables Lambda would set, never this process's own (no
 * real AWS credentials leak in). Invocations may overlap; each is answered by id.
 */
export class LambdaHost {
  private readonly pending = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly taskRoot: string,
    private readonly options: LambdaHostOptions,
  ) {
    child.on("message", (message: RunnerMessage) => this.settle(message));
    child.on("exit", () => {
      this.exited = true;
      for (const [id, call] of this.pending) {
        clearTimeout(call.timer);
        call.reject(new LambdaInvocationError("Runtime.ExitError", "The runtime exited during the invocation."));
        this.pending.delete(id);
      }
    });
  }

  /** Unpacks the package and loads the handler; fails as Lambda's init phase would. */
  public static async start(options: LambdaHostOptions): Promise<LambdaHost> {
    const taskRoot = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-task-"));
    unpack(options.zipFile, taskRoot);
    const child = fork(RUNNER, [taskRoot, options.handler], {
      cwd: taskRoot,
      env: lambdaEnvironment(options, taskRoot),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      execArgv: [],
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (buffered + chunk).split("\n");
        buffered = lines.pop()!;
        for (const line of lines) if (line !== "") options.onLog?.(line);
      });
    }
    await new Promise<void>((resolve, reject) => {
      child.once("message", (message: RunnerMessage) => {
        if (message.type === "ready") {
          resolve();
        } else if (message.type === "init-error") {
          reject(new LambdaInvocationError(message.error.errorType, `Init failed: ${message.error.errorMessage}`));
        }
      });
      child.once("exit", (code) =>
        reject(new LambdaInvocationError("Runtime.ExitError", `The runtime exited with code ${code} during init.`)),
      );
    }).catch((error: Error) => {
      child.kill();
      fs.rmSync(taskRoot, { recursive: true, force: true });
      throw error;
    });
    return new LambdaHost(child, taskRoot, options);
  }

  /** The runtime process, e.g. to read its memory use. */
  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** Invokes the handler with an event; resolves with what it returned. */
  public invoke(event: unknown): Promise<unknown> {
    if (this.exited) {
      return Promise.reject(new LambdaInvocationError("Runtime.ExitError", "The runtime is not running."));
    }
    const id = randomUUID();
    // Longer than on Lambda, as the function's AWS call limits are: both are for AWS, not for emulators on a
    // busy machine (local/emulator-time-limits.ts).
    const timeoutMs = this.options.timeoutSeconds * 1000 * EMULATOR_TIME_LIMIT_SCALE;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LambdaInvocationError("Sandbox.Timedout", `Task timed out after ${timeoutMs / 1000} seconds`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({
        id,
        event,
        context: {
          awsRequestId: id,
          functionName: this.options.functionName,
          functionVersion: "$LATEST",
          memoryLimitInMB: String(this.options.memorySize),
          logGroupName: `/aws/lambda/${this.options.functionName}`,
          timeoutMs,
        },
      });
    });
  }

  public async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill();
      await exited;
    }
    fs.rmSync(this.taskRoot, { recursive: true, force: true });
  }

  private settle(message: RunnerMessage): void {
    if (message.type !== "result" && message.type !== "error") {
      return;
    }
    const call = this.pending.get(message.id);
    if (!call) {
      return;
    }
    this.pending.delete(message.id);
    clearTimeout(call.timer);
    if (message.type === "result") {
      call.resolve(message.result);
    } else {
      call.reject(new LambdaInvocationError(message.error.errorType, message.error.errorMessage));
    }
  }
}

function unpack(zipFile: string, taskRoot: string): void {
  for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(zipFile)))) {
    const target = path.resolve(taskRoot, name);
    if (!target.startsWith(taskRoot + path.sep)) {
      throw new Error(`${zipFile}: entry "${name}" points outside the package.`);
    }
    if (name.endsWith("/")) {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, bytes, { mode: 0o644 });
  }
}

/** The variables the Lambda runtime sets, dummy credentials, and the function's own configuration. */
function lambdaEnvironment(options: LambdaHostOptions, taskRoot: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TZ: "UTC",
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: options.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${options.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SESSION_TOKEN: "local",
    AWS_EC2_METADATA_DISABLED: "true",
    // Nothing from ~/.aws on this machine: the function sees what it would see on Lambda.
    AWS_CONFIG_FILE: path.join(taskRoot, ".no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(taskRoot, ".no-aws-credentials"),
    ...EMULATOR_CALL_LIMITS_ENVIRONMENT,
    ...options.environment,
  };
}
