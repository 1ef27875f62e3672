/** A request's route, as API Gateway selects it, with the values of the route's path parameters. */
export interface RouteMatch<T> {
  readonly routeKey: string;
  readonly target: T;
  /** `{name}` segment values, percent-decoded as API Gateway passes them. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

interface CompiledRoute<T> {
  readonly routeKey: string;
  readonly method: string;
  /** A literal segment, or the name of a `{name}` parameter. */
  readonly segments: readonly ({ readonly literal: string } | { readonly parameter: string })[];
  readonly target: T;
}

/**
 * Route keys (`POST /executions`, `GET /executions/{executionName}`) matched the way an HTTP API matches
 * them: the method exactly, each `{name}` against one whole, non-empty path segment, and the most specific
 * route first (a literal segment wins over a parameter, as API Gateway's "most-specific match" rule says).
 * Greedy `{proxy+}` parameters and `ANY` are not used by the stacks and not served.
 */
export function routeMatcher<T>(routes: ReadonlyMap<string, T>): (method: string, path: string) => RouteMatch<T> | undefined {
  const compiled = [...routes].map(([routeKey, target]) => compile(routeKey, target));
  // Fewest parameters first; among those, the earlier literal segment wins.
  const bySpecificity = [...compiled].sort((a, b) => specificity(b) - specificity(a));
  return (method, path) => {
    const segments = path.split("/").slice(1);
    for (const route of bySpecificity) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const parameters: Record<string, string> = {};
      const matches = route.segments.every((segment, index) => {
        const actual = segments[index];
        if ("literal" in segment) return segment.literal === actual;
        if (actual === "") return false;
        parameters[segment.parameter] = decoded(actual);
        return true;
      });
      if (matches) return { routeKey: route.routeKey, target: route.target, pathParameters: parameters };
    }
    return undefined;
  };
}

function compile<T>(routeKey: string, target: T): CompiledRoute<T> {
  const [method, path] = routeKey.split(" ");
  return {
    routeKey,
    method,
    segments: path
      .split("/")
      .slice(1)
      .map((segment) => {
        const parameter = /^\{([A-Za-z0-9._-]+)\}$/.exec(segment)?.[1];
        return parameter === undefined ? { literal: segment } : { parameter };
      }),
    target,
  };
}

/** Literal segments weigh more the earlier they come, so `/a/{x}` is more specific than `/{x}/b`. */
function specificity(route: CompiledRoute<unknown>): number {
  return route.segments.reduce((score, segment, index) => score + ("literal" in segment ? 2 ** (32 - index) : 0), 0);
}

/** A segment as API Gateway hands it to the function: percent-decoded, or as sent when that is not valid. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
