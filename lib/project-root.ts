import * as path from "node:path";

/**
 * The repository root: asl/ and functions/ are found from here, and paths in messages are shown relative
 * to it, so nothing about the machine that ran synth reaches the output.
 */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
