import { deliveredBody } from "../local/http-api-body";

const JSON_BODY = Buffer.from('{"country":"Grèce"}', "utf8");
const LATIN1_BODY = Buffer.from('{"country":"Grèce"}', "latin1");

describe("the sandbox's HTTP API delivers a request body", () => {
  it.each([
    "application/json",
    "application/json; charset=utf-8",
    'application/json; charset="UTF-8"',
    "text/plain",
    "text/plain; charset=utf-8",
    "text/csv",
    "application/xml",
    "application/javascript",
  ])("as a string for UTF-8 text under %s", (contentType) => {
    expect(deliveredBody(contentType, JSON_BODY)).toEqual({ body: '{"country":"Grèce"}', isBase64Encoded: false });
  });

  it.each([
    undefined,
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain; charset=iso-8859-1",
    "application/json; charset=iso-8859-1",
  ])("base64-encoded under %s, as API Gateway does for types it does not pass as UTF-8 text", (contentType) => {
    expect(deliveredBody(contentType, JSON_BODY)).toEqual({ body: JSON_BODY.toString("base64"), isBase64Encoded: true });
  });

  it.each(["text/plain", "application/json", "application/json; charset=iso-8859-1"])(
    "unchanged, base64-encoded, when bytes under %s are not UTF-8: never as a string with characters replaced",
    (contentType) => {
      const delivered = deliveredBody(contentType, LATIN1_BODY);
      expect(delivered).toEqual({ body: LATIN1_BODY.toString("base64"), isBase64Encoded: true });
      expect(Buffer.from(delivered.body!, "base64")).toEqual(LATIN1_BODY);
    },
  );

  it("keeps a leading byte order mark: dropping it is the function's business, as on AWS", () => {
    expect(deliveredBody("application/json", Buffer.from('\uFEFF{"country":"France"}', "utf8")).body).toBe('\uFEFF{"country":"France"}');
  });

  it("as nothing when there is no body", () => {
    expect(deliveredBody("application/json", Buffer.alloc(0))).toEqual({ isBase64Encoded: false });
    expect(deliveredBody(undefined, undefined)).toEqual({ isBase64Encoded: false });
  });
});
