import * as fs from "node:fs";
import * as path from "node:path";

/** Every file under a directory, by relative path, with its bytes: two outputs compare byte for byte. */
export function directorySnapshot(root: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (directory: string) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(root, full).split(path.sep).join("/")] = fs.readFileSync(full);
    }
  };
  walk(root);
  return files;
}
