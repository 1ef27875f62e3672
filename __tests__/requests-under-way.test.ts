import * as http from "node:http";
import { listen } from "../local/listen";
import { requestsUnderWay } from "../local/requests-under-way";

describe("requestsUnderWay", () => {
  /** A server whose handler answers only when told to; resolves `arrived` when a request reaches it. */
  async function serverAnsweringOnDemand() {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const server = http.createServer((_request, response) => {
      arrive();
      void answered.then(() => response.end("late"));
    });
    const requests = requestsUnderWay(server);
    const { url, close } = await listen(server, 0, "127.0.0.1");
    const client = http.request(url, { method: "POST" });
    client.on("error", () => {});
    client.end("{}");
    await arrived;
    return { requests, answer, client, close };
  }

  it("settles once every handler has ended its response, even after the client has gone", async () => {
    // Prepare
    const { requests, answer, client, close } = await serverAnsweringOnDemand();
    client.destroy();

    // Act
    let settled = false;
    const settling = requests.settled(600_000).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess: still waiting for the handler, whose client is gone; settled once it has answered
    expect(settled).toBe(false);
    answer();
    await settling;
    expect(settled).toBe(true);
    await close();
  });

  it("settles at once when nothing is under way", async () => {
    await expect(requestsUnderWay(http.createServer()).settled(600_000)).resolves.toBeUndefined();
  });

  it("stops waiting after the timeout for a handler that never answers", async () => {
    const { requests, answer, client, close } = await serverAnsweringOnDemand();
    await expect(requests.settled(100)).resolves.toBeUndefined();
    client.destroy();
    answer();
    await close();
  });
});
