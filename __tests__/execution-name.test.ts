import { EXECUTION_NAME_PATTERN } from "../functions/shared/execution-arn";
import { canonicalJson, describeStrategy, executionNameFor } from "../functions/start-execution/execution-name";

describe("executionNameFor", () => {
  describe("from the country (the original design, the default)", () => {
    it("is the md5 hex of the country exactly as sent, so existing executions keep their names", () => {
      // Reference values computed outside Node: python3 -c "import hashlib; print(hashlib.md5('France'.encode()).hexdigest())"
      expect(executionNameFor({ country: "France" }, { from: "country" })).toBe("0309a6c666a7a803fdb9db95de71cf01");
      expect(executionNameFor({ country: "Côte d’Ivoire" }, { from: "country" })).toBe("c856565f38d8ed5dcc6e4ad20f226045");
    });

    it("ignores every other field", () => {
      expect(executionNameFor({ country: "France", note: "x" }, { from: "country" })).toBe(
        executionNameFor({ country: "France" }, { from: "country" }),
      );
    });

    it("does not normalise the country: case and spacing are part of the request", () => {
      expect(executionNameFor({ country: "france" }, { from: "country" })).not.toBe(
        executionNameFor({ country: "France" }, { from: "country" }),
      );
    });
  });

  describe("from the whole payload", () => {
    it("is the sha256 hex of the RFC 8785 canonical JSON", () => {
      expect(executionNameFor({ orderId: 42, country: "France" }, { from: "payload" })).toBe(
        "071e632d09c246ce2ac6daed980b15af61ebb36e7a5fc1c4984612171af5c0c4",
      );
    });

    it("does not depend on key order or whitespace", () => {
      const a = JSON.parse('{"country":"France","order":{"id":1,"lines":[2,1]}}');
      const b = JSON.parse('{ "order" : { "lines" : [2, 1], "id" : 1 }, "country" : "France" }');
      expect(executionNameFor(a, { from: "payload" })).toBe(executionNameFor(b, { from: "payload" }));
    });

    it("depends on every value, array order included", () => {
      const base = { country: "France", lines: [1, 2] };
      expect(executionNameFor({ ...base, lines: [2, 1] }, { from: "payload" })).not.toBe(executionNameFor(base, { from: "payload" }));
      expect(executionNameFor({ ...base, extra: null }, { from: "payload" })).not.toBe(executionNameFor(base, { from: "payload" }));
    });
  });

  describe("from a business key", () => {
    it("is the sha256 hex of that field only", () => {
      const strategy = { from: "field", field: "orderId" } as const;
      expect(executionNameFor({ country: "France", orderId: "A-1001" }, strategy)).toBe(
        "0b1336d9f2ad29afcd0881fd83fde44b04a65f25aa248496e74f6fcce9d30e8d",
      );
      expect(executionNameFor({ country: "Spain", orderId: "A-1001", note: "retry" }, strategy)).toBe(
        executionNameFor({ country: "France", orderId: "A-1001" }, strategy),
      );
    });

    it("treats a numeric key and its decimal string as the same key", () => {
      const strategy = { from: "field", field: "orderId" } as const;
      expect(executionNameFor({ country: "France", orderId: 1001 }, strategy)).toBe(
        executionNameFor({ country: "France", orderId: "1001" }, strategy),
      );
    });
  });

  it.each([
    [{ from: "country" } as const, { country: "x".repeat(100) }],
    [{ from: "payload" } as const, { country: "France", blob: "x".repeat(10_000) }],
    [{ from: "field", field: "id" } as const, { country: "France", id: "ü".repeat(256) }],
  ])("always meets Step Functions' name rule (%j)", (strategy, payload) => {
    expect(executionNameFor(payload, strategy)).toMatch(EXECUTION_NAME_PATTERN);
  });
});

describe("canonicalJson", () => {
  it("sorts keys by UTF-16 code units and writes numbers the ECMAScript way (RFC 8785)", () => {
    expect(canonicalJson(JSON.parse('{"b":1.0,"a":[1e3,0.1],"é":"x","Z":true}'))).toBe('{"Z":true,"a":[1000,0.1],"b":1,"é":"x"}');
  });
});

describe("describeStrategy", () => {
  it("names the key without its value, for logs", () => {
    expect(describeStrategy({ from: "country" })).toBe("country");
    expect(describeStrategy({ from: "payload" })).toBe("payload");
    expect(describeStrategy({ from: "field", field: "orderId" })).toBe("field:orderId");
  });
});
