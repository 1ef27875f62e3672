import { firstDuplicateMember } from "../functions/start-execution/duplicate-members";

/** Only text JSON.parse accepts is ever scanned: each case checks that it does, so none tests an impossible input. */
function scan(json: string): string | undefined {
  JSON.parse(json);
  return firstDuplicateMember(json);
}

describe("firstDuplicateMember", () => {
  it.each([
    ["a repeat at the top level", '{"country":"France","country":"Spain"}', "country"],
    ["a repeat at the top level, not next to the first", '{"country":"France","note":"hi","country":"Spain"}', "country"],
    ["a repeat with whitespace around every token", ' {\n\t"a" : 1 ,\r\n "a" : 2 } ', "a"],
    ["a repeat whatever the values' types", '{"a":{"x":1},"a":[1,2]}', "a"],
    ["a repeat in a nested object", '{"order":{"id":1,"id":2}}', "order.id"],
    ["a repeat in an object inside an array", '{"items":[{"sku":"tea"},{"sku":"tea"},{"sku":"a","qty":1,"sku":"b"}]}', "items[2].sku"],
    ["a repeat in arrays inside arrays", '{"grid":[[1],[2,{"x":1,"x":1}]]}', "grid[1][1].x"],
    ["a repeat after a nested container closes", '{"a":{"b":[1,{"c":2}]},"d":3,"a":4}', "a"],
    ["a repeat under a top-level array", '[1,{"a":1,"a":2}]', "[1].a"],
    ["the first of several repeats", '{"x":{"a":1,"a":2},"b":1,"b":2}', "x.a"],
    ["a repeat spelled with an escape", '{"a":1,"\\u0061":2}', "a"],
    ["a repeat spelled with different escapes", '{"\\/":1,"\\u002F":2}', "/"],
    ["a repeated empty name", '{"":1,"":2}', ""],
    ["a repeat under an empty name", '{"":{"a":1,"a":2}}', ".a"],
    ["a repeated name containing a quote, escaped two ways", '{"say \\"hi\\"":1,"say \\u0022hi\\u0022":2}', 'say "hi"'],
    ["a repeated name containing a backslash", '{"C:\\\\temp":1,"C:\\u005ctemp":2}', "C:\\temp"],
    ["a repeated name ending in a backslash", '{"a\\\\":1,"a\\\\":2}', "a\\"],
    ["a surrogate pair, escaped and then written out", '{"\\ud83c\\udf0d":1,"🌍":2}', "🌍"],
    ["a lone surrogate, escaped in either case", '{"\\ud800":1,"\\uD800":2}', "\ud800"],
    ["a repeated __proto__", '{"__proto__":1,"__proto__":2}', "__proto__"],
    ["a repeated name holding JSON punctuation", '{"a\\":{\\"b":1,"a\\":{\\"b":2}', 'a":{"b'],
  ])("finds %s", (_case, json, path) => {
    expect(scan(json)).toBe(path);
  });

  it.each([
    ["an object with distinct names", '{"country":"France","note":"hi"}'],
    ["an empty object", "{}"],
    ["empty objects and arrays", '{"a":{},"b":[],"c":[{},[]]}'],
    ["the same name in sibling objects", '{"a":{"id":1},"b":{"id":1}}'],
    ["the same name in objects of one array", '{"items":[{"sku":"tea"},{"sku":"tea"}]}'],
    ["the same name at different depths", '{"id":1,"child":{"id":2,"child":{"id":3}}}'],
    ["names that differ only in case", '{"a":1,"A":2}'],
    ["a name and a value that are the same string", '{"a":"a","b":"a"}'],
    ["a value holding a name, a colon and a comma", '{"a":"\\",\\"a\\":","b":1}'],
    ["a value that looks like a repeated member", '{"note":"{\\"a\\":1,\\"a\\":2}"}'],
    ["strings holding brackets and braces", '{"a":"[{","b":"}]","c":["{\\"a\\":1,","\\"a\\":2}"]}'],
    ["a value ending in a backslash", '{"a":"\\\\","b":"\\\\","c":1}'],
    ["an escaped name and a different plain one", '{"\\u0061":1,"b":2}'],
    ["the two halves of a surrogate pair as names", '{"\\ud83c":1,"\\udf0d":2,"\\ud83c\\udf0d":3}'],
    ["numbers, true, false and null", '{"a":-1.5e+3,"b":true,"c":false,"d":null,"e":[0,1e-2]}'],
    ["a top-level array of strings", '["a","a"]'],
    ["a top-level string", '"{\\"a\\":1,\\"a\\":2}"'],
  ])("finds nothing in %s", (_case, json) => {
    expect(scan(json)).toBeUndefined();
  });

  describe("100,000 levels of nesting, with no recursion to overflow the stack", () => {
    const depth = 100_000;

    it.each([
      ["objects", `${'{"a":'.repeat(depth)}{"b":1,"b":2}${"}".repeat(depth)}`, `${"a.".repeat(depth)}b`],
      ["arrays", `${"[".repeat(depth)}{"b":1,"b":2}${"]".repeat(depth)}`, `${"[0]".repeat(depth)}.b`],
      ["objects and arrays", `${'{"a":['.repeat(depth)}{"b":1,"b":2}${"]}".repeat(depth)}`, `${"a[0].".repeat(depth)}b`],
    ])("finds a repeat under %s", (_case, json, path) => {
      expect(scan(json)).toBe(path);
    });

    it.each([
      ["objects", `${'{"a":'.repeat(depth)}{"b":1}${"}".repeat(depth)}`],
      ["arrays", `${"[".repeat(depth)}${"]".repeat(depth)}`],
    ])("finds nothing under %s", (_case, json) => {
      expect(scan(json)).toBeUndefined();
    });
  });

  it("tells apart thousands of sibling objects' members in a body near Step Functions' 256 KiB limit", () => {
    // A name with a quote is written escaped, so every item also takes the scanner's decoding path.
    const items = Array.from({ length: 4_000 }, (_, index) => ({ sku: `s\\"ku-${index}`, quantity: index, 'say "hi"': "a\\u0062" }));
    const json = JSON.stringify({ country: "France", items });
    expect(json.length).toBeGreaterThan(200_000);
    // Same names in every item, each item its own object: no repeat. Its speed is the benchmark's business.
    expect(scan(json)).toBeUndefined();
    expect(scan(json.replace('"quantity":3999', '"quantity":3999,"sku":"again"'))).toBe("items[3999].sku");
  });
});
