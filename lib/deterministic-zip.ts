import { type Zippable, zipSync } from "fflate";

/** Unix `-rw-r--r--`: readable by the Lambda runtime user, whatever the umask of the machine that built it. */
const UNIX_FILE_MODE = 0o100644;
const MADE_ON_UNIX = 3;

/**
 * A zip whose bytes depend only on the files' names and contents: fixed times, fixed permissions, entries
 * in name order. fflate compresses in pure JavaScript, so the deflate stream does not vary with the zlib
 * build (or CPU features) of the machine running synth, as Node's own zlib can.
 */
export function deterministicZip(files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  // Every entry gets the same timestamp. fflate writes DOS times from the Date's local fields, so the date
  // is built from local fields too: the bytes are then the same in every time zone. Noon avoids days that
  // skip midnight.
  const mtime = new Date(1980, 0, 1, 12, 0, 0);
  const entries: Zippable = {};
  for (const name of Object.keys(files).sort()) {
    // zlib's default level: on these bundles within a few bytes of level 9's size, at 2.5 times its speed,
    // which every synth pays once per distinct bundle.
    entries[name] = [files[name], { level: 6, mtime, os: MADE_ON_UNIX, attrs: UNIX_FILE_MODE << 16 }];
  }
  return zipSync(entries);
}
