import { curlCommand, exampleExecutionName, exampleRequestBody, exampleRequestHeaders, statusCurlCommand } from "./example-request";
import type { Sandbox } from "./sandbox";

/** What the sandbox serves: every route and state machine, and a request to try on each route. */
export function startupBanner(
  sandbox: Sandbox,
  options: {
    readonly stackName: string;
    readonly timeScale: number;
    /** As the user should read it. */
    readonly outbox: string;
    /** Each route's request schema, by route key, for a body the route accepts. */
    readonly requestSchemas?: ReadonlyMap<string, unknown>;
  },
): string {
  const testCase = (arn: string) => {
    const name = sandbox.service.defaultTestCaseOf(arn);
    return name === undefined ? "" : `   mocks: test case ${name}`;
  };
  const warnings = [
    ...sandbox.unservedTasks.map(
      ({ stateMachineArn, stateName, resource }) =>
        `${stateMachineArn.split(":").pop()}: Task state ${stateName} calls ${resource}, which has no local service: ` +
        `executions reaching it fail until --mock-config <file> mocks it.`,
    ),
    ...sandbox.missingTables.map(
      ({ stateMachineArn, stateName, tableName }) =>
        `${stateMachineArn.split(":").pop()}: Task state ${stateName} uses table ${tableName}, which the stack does not declare: ` +
        `create it with --table ${tableName}=<partition key>.`,
    ),
  ];
  // In the order of their paths, whatever order the synthesized JSON lists them in: each workflow's POST
  // route, then its status route (`GET <path>/{executionName}`).
  const pathOf = (routeKey: string) => routeKey.split(" ")[1];
  const routes = [...sandbox.routes].sort(
    (a, b) => pathOf(a.routeKey).localeCompare(pathOf(b.routeKey)) || a.routeKey.localeCompare(b.routeKey),
  );
  const bodies = new Map(
    routes
      .filter((route) => route.routeKey.startsWith("POST "))
      .map((route) => [
        pathOf(route.routeKey),
        { route, body: exampleRequestBody(sandbox.routeFunction(route.routeKey).environment, options.requestSchemas?.get(route.routeKey)) },
      ]),
  );
  const tries = routes.map((route) => {
    const path = pathOf(route.routeKey);
    const started = route.routeKey.startsWith("POST ") ? bodies.get(path) : undefined;
    if (started)
      return curlCommand(
        `${sandbox.apiUrl}${path}`,
        started.body,
        exampleRequestHeaders(sandbox.routeFunction(route.routeKey).environment),
      );
    // A status route: the execution the POST hint above starts, when its name follows from the body.
    const post = bodies.get(path.replace(/\/\{[^/]+\}$/, ""));
    const name = post && exampleExecutionName(sandbox.routeFunction(post.route.routeKey).environment, post.body);
    return statusCurlCommand(`${sandbox.apiUrl}${path.replace(/\{[^/]+\}/, name ?? "<executionName>")}`);
  });
  const stateMachineLines = sandbox.stack
    .stateMachines()
    .map(({ arn }) => `  State machine    ${arn}${testCase(arn)}`)
    .join("\n");
  const tableNames = sandbox.tables.map((table) => table.name).join(", ") || "none";
  const dynamodbLine = sandbox.dynamodbUrl ? `\n  DynamoDB         ${sandbox.dynamodbUrl}   tables ${tableNames}` : "";
  const functionLines = [...sandbox.hosts].map(([name, host]) => `  Function         ${name} (process ${host.pid})`).join("\n");
  const scheduleLines = sandbox.schedules
    .map((schedule) => `  Schedule         ${schedule.name}   ${schedule.scheduleExpression} -> ${schedule.functionName}\n`)
    .join("");
  const warningLines = warnings.map((warning) => `\nWarning: ${warning}`).join("");
  return `
sfn-dedup local sandbox: stack ${options.stackName}, Wait states x${options.timeScale}
  HTTP API         ${sandbox.apiUrl}   ${routes.map((route) => route.routeKey).join(", ")}
  Step Functions   ${sandbox.sfnUrl}   AWS_ENDPOINT_URL_SFN=${sandbox.sfnUrl}, or aws stepfunctions --endpoint-url ${sandbox.sfnUrl}
${stateMachineLines}${dynamodbLine}
  Outbox           ${options.outbox}
${functionLines}
${scheduleLines}${warningLines}
Try: ${tries.join("\n     ")}
Press Ctrl-C to stop.
`;
}
