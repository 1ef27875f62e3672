import { routeMatcher } from "../local/route-match";

describe("Function: routeMatcher (the local HTTP API's routing)", () => {
  const match = routeMatcher(
    new Map([
      ["POST /executions", "start"],
      ["GET /executions/{executionName}", "status"],
      ["GET /executions/latest", "literal"],
      ["GET /orders/{orderId}/items/{item}", "item"],
    ]),
  );

  it("matches a literal route by method and path, with no path parameters", () => {
    expect(match("POST", "/executions")).toEqual({ routeKey: "POST /executions", target: "start", pathParameters: {} });
  });

  it("fills a {name} segment from the request's path, keeping the route key as configured", () => {
    expect(match("GET", "/executions/0309a6c666a7a803fdb9db95de71cf01")).toEqual({
      routeKey: "GET /executions/{executionName}",
      target: "status",
      pathParameters: { executionName: "0309a6c666a7a803fdb9db95de71cf01" },
    });
    expect(match("GET", "/orders/A-1/items/7")?.pathParameters).toEqual({ orderId: "A-1", item: "7" });
  });

  it("hands the parameter over percent-decoded, as API Gateway does", () => {
    expect(match("GET", "/executions/not%20a%20name")?.pathParameters).toEqual({ executionName: "not a name" });
    expect(match("GET", "/executions/100%")?.pathParameters).toEqual({ executionName: "100%" });
  });

  it("prefers the most specific route: a literal segment over a parameter", () => {
    expect(match("GET", "/executions/latest")?.target).toBe("literal");
  });

  it.each([
    ["another method", "DELETE", "/executions/abc"],
    ["an empty segment", "GET", "/executions/"],
    ["more segments", "GET", "/executions/abc/def"],
    ["fewer segments", "GET", "/orders/A-1/items"],
    ["a path no route has", "POST", "/other"],
  ])("matches nothing for %s", (_case, method, path) => {
    expect(match(method, path)).toBeUndefined();
  });
});
