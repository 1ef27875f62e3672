import type { Server } from "node:http";

/**
 * Counts the requests the server is handling, from their arrival until the handler ends the response —
 * not until the socket closes, which happens first when the client has gone.
 */
export function requestsUnderWay(server: Server): { settled(timeoutMs: number): Promise<void> } {
  let underWay = 0;
  const waiting = new Set<() => void>();
  server.prependListener("request", (_request, response) => {
    underWay += 1;
    const end = response.end.bind(response);
    let ended = false;
    response.end = ((...args: Parameters<typeof response.end>) => {
      if (!ended) {
        ended = true;
        underWay -= 1;
        if (underWay === 0) for (const resolve of waiting) resolve();
      }
      return end(...args);
    }) as typeof response.end;
  });
  return {
    settled: (timeoutMs) =>
      underWay === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(done, timeoutMs);
            function done() {
              clearTimeout(timer);
              waiting.delete(done);
              resolve();
            }
            waiting.add(done);
          }),
  };
}
