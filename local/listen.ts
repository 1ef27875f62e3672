import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A local server that has started listening: where it is, and how to stop it and free its port. */
export interface ListeningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts a server on host:port (0: any free port). A port in use rejects with Node's EADDRINUSE error,
 * which says which port; closing also drops keep-alive connections, so the port is free at once.
 */
export async function listen(server: Server, port: number, host: string): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
