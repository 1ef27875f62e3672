import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { deterministicZip } from "../lib/deterministic-zip";
import { PROJECT_ROOT } from "../lib/project-root";

const TSX = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

interface CentralDirectoryEntry {
  name: string;
  madeOnHost: number;
  unixMode: number;
  dosTime: number;
  dosDate: number;
}

/** Reads the central directory the way unzip does, to see what an extractor will apply. */
function centralDirectory(zip: Uint8Array): CentralDirectoryEntry[] {
  const view = Buffer.from(zip);
  const entries: CentralDirectoryEntry[] = [];
  for (let offset = 0; offset + 46 <= view.length; offset++) {
    if (view.readUInt32LE(offset) !== 0x02014b50) continue;
    const nameLength = view.readUInt16LE(offset + 28);
    entries.push({
      madeOnHost: view[offset + 5],
      dosTime: view.readUInt16LE(offset + 12),
      dosDate: view.readUInt16LE(offset + 14),
      unixMode: view.readUInt32LE(offset + 38) >>> 16,
      name: view.toString("utf8", offset + 46, offset + 46 + nameLength),
    });
    offset += 45 + nameLength;
  }
  return entries;
}

describe("deterministicZip", () => {
  const files = { "lib/b.mjs": Buffer.from("export const b = 2;\n"), "index.mjs": Buffer.from("export const a = 1;\n") };

  it("holds the files unchanged", () => {
    const unzipped = unzipSync(deterministicZip(files));
    expect(Object.keys(unzipped).sort()).toEqual(["index.mjs", "lib/b.mjs"]);
    expect(Buffer.from(unzipped["index.mjs"]).toString()).toBe("export const a = 1;\n");
  });

  it("writes entries in name order, as Unix files -rw-r--r--, dated 1980-01-01 12:00", () => {
    expect(centralDirectory(deterministicZip(files))).toEqual(
      ["index.mjs", "lib/b.mjs"].map((name) => ({
        name,
        madeOnHost: 3,
        unixMode: 0o100644,
        dosTime: 12 << 11,
        dosDate: (0 << 9) | (1 << 5) | 1,
      })),
    );
  });

  it("gives the same bytes whatever the insertion order of the files", () => {
    const reordered = { "index.mjs": files["index.mjs"], "lib/b.mjs": files["lib/b.mjs"] };
    expect(Buffer.from(deterministicZip(reordered))).toEqual(Buffer.from(deterministicZip(files)));
  });

  it("gives the same bytes in every time zone", () => {
    // A separate process per zone: jest gives tests a copy of process.env, so TZ cannot change in here.
    const script = `
      const { deterministicZip } = require("./lib/deterministic-zip");
      const zip = deterministicZip({ "index.mjs": Buffer.from("export const a = 1;\\n") });
      process.stdout.write(require("node:crypto").createHash("sha256").update(zip).digest("hex"));`;
    const digests = ["UTC", "Pacific/Kiritimati", "America/St_Johns", "Asia/Kathmandu"].map((zone) =>
      execFileSync(TSX, ["-e", script], { cwd: PROJECT_ROOT, env: { ...process.env, TZ: zone }, encoding: "utf8" }),
    );
    expect(new Set(digests).size).toBe(1);
    expect(digests[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when a file's content changes", () => {
    const changed = { ...files, "index.mjs": Buffer.from("export const a = 2;\n") };
    expect(Buffer.from(deterministicZip(changed))).not.toEqual(Buffer.from(deterministicZip(files)));
  });
});
