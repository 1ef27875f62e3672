import * as http from "node:http";
import type { ExecutionHistoryEvent } from "./execution-history";
import { type ListeningServer, listen } from "./listen";
import type { DescribedExecution, ExecutionRecord, LocalStepFunctions } from "./local-step-functions";
import { ServiceError } from "./service-error";

/** The operations served, as the `X-Amz-Target: AWSStepFunctions.<Operation>` header names them. */
export const STEP_FUNCTIONS_OPERATIONS = [
  "StartExecution",
  "DescribeExecution",
  "ListExecutions",
  "StopExecution",
  "RedriveExecution",
  "GetExecutionHistory",
] as const;
export type StepFunctionsOperation = (typeof STEP_FUNCTIONS_OPERATIONS)[number];

const TARGET_PREFIX = "AWSStepFunctions.";
const CONTENT_TYPE = "application/x-amz-json-1.0";
/** The SDK refuses nothing bigger either: StartExecution input is at most 256 KiB. */
const MAX_REQUEST_BYTES = 1_048_576;

export type StepFunctionsEndpoint = ListeningServer;

/**
 * Serves a {@link LocalStepFunctions} over HTTP in the AWS JSON 1.0 protocol, so that the AWS SDKs and the
 * AWS CLI talk to it unchanged (`AWS_ENDPOINT_URL_SFN`, `--endpoint-url`). Errors travel as AWS sends them:
 * a status, `x-amzn-errortype` and `{"__type", "message"}` (400 for the client errors: ExecutionNotRedrivable,
 * ExecutionDoesNotExist, InvalidArn, ValidationException…, as the API reference lists them). Request signatures
 * are not checked.
 *
 * `intercept` runs before each operation; a test makes it throw a {@link ServiceError} to simulate a
 * throttled or failing service.
 */
export async function startStepFunctionsEndpoint(
  service: LocalStepFunctions,
  options: {
    port?: number;
    host?: string;
    intercept?: (operation: StepFunctionsOperation, request: unknown) => void;
    /** Told how long the service itself took for each answered request, body read to response written. */
    onServed?: (operation: string, milliseconds: number) => void;
  } = {},
): Promise<StepFunctionsEndpoint> {
  const server = http.createServer((req, res) => {
    let received = 0;
    let operation = "unknown";
    readBody(req)
      .then((body) => {
        received = performance.now();
        operation = operationOf(req);
        const request = parseRequest(body);
        options.intercept?.(operation as StepFunctionsOperation, request);
        send(res, 200, {}, dispatch(service, operation as StepFunctionsOperation, request as Record<string, never>));
      })
      .catch((error: unknown) => {
        const failure = error instanceof ServiceError ? error : new ServiceError("InternalFailure", "The local service failed.", 500);
        send(res, failure.httpStatus, { "x-amzn-errortype": failure.code }, { __type: failure.code, message: failure.message });
      })
      .finally(() => {
        if (received > 0) options.onServed?.(operation, performance.now() - received);
      });
  });
  return listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
}

function dispatch(service: LocalStepFunctions, operation: StepFunctionsOperation, request: Record<string, never>): unknown {
  switch (operation) {
    case "StartExecution": {
      const started = service.startExecution(request);
      return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
    }
    case "DescribeExecution":
      return describe(service.describeExecution(request));
    case "ListExecutions": {
      const page = service.listExecutions(request);
      return {
        executions: page.executions.map(summary),
        nextToken: page.nextToken,
      };
    }
    case "StopExecution":
      return { stopDate: epochSeconds(service.stopExecution(request).stopDate) };
    case "RedriveExecution":
      return { redriveDate: epochSeconds(service.redriveExecution(request).redriveDate) };
    case "GetExecutionHistory": {
      const page = service.getExecutionHistory(request);
      return { events: page.events.map(historyEvent), nextToken: page.nextToken };
    }
  }
}

/** A HistoryEvent as GetExecutionHistory sends it: its members as they are, the timestamp in epoch seconds. */
function historyEvent(event: ExecutionHistoryEvent): Record<string, unknown> {
  return { ...event, timestamp: epochSeconds(event.timestamp) };
}

/** What ListExecutions tells of an execution (ExecutionListItem): redriveCount 0 and no redriveDate until redriven. */
function summary(record: Omit<ExecutionRecord, "input">): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    stopDate: record.stopDate && epochSeconds(record.stopDate),
    redriveCount: record.redriveCount,
    redriveDate: record.redriveDate && epochSeconds(record.redriveDate),
  };
}

/**
 * What DescribeExecution tells: the summary, with input and output (absent for includedData METADATA_ONLY),
 * failure, and whether RedriveExecution would take it now.
 */
function describe(execution: DescribedExecution): unknown {
  return {
    ...summary(execution),
    input: execution.input,
    output: execution.output,
    error: execution.error,
    cause: execution.cause,
    redriveStatus: execution.redriveStatus,
    redriveStatusReason: execution.redriveStatusReason,
  };
}

function operationOf(req: http.IncomingMessage): StepFunctionsOperation {
  const target = String(req.headers["x-amz-target"] ?? "");
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
  if (req.method !== "POST" || !(STEP_FUNCTIONS_OPERATIONS as readonly string[]).includes(operation)) {
    throw new ServiceError("UnknownOperationException", `Operation not served locally: '${target}'`);
  }
  return operation as StepFunctionsOperation;
}

function parseRequest(body: string): unknown {
  try {
    const parsed: unknown = body === "" ? {} : JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("not an object");
    }
    return parsed;
  } catch {
    throw new ServiceError("SerializationException", "Request body is not a JSON object.");
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new ServiceError("SerializationException", "Request body is too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(json), ...headers });
  res.end(json);
}

/** AWS JSON protocols carry timestamps as epoch seconds with a fraction. */
function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
