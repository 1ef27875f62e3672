/** What the end-to-end tests read of the sandbox HTTP API's answer: its status, where and when, and its JSON body. */
export interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly retryAfter: string | null;
  readonly body: any;
}

/** POSTs a JSON body, as a client of the trigger does, with any extra headers (an Idempotency-Key). */
export async function postJson(url: string, body: unknown, headers: Readonly<Record<string, string>> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    location: response.headers.get("location"),
    retryAfter: response.headers.get("retry-after"),
    body: await response.json(),
  };
}
