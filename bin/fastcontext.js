#!/usr/bin/env node
// Entry point: runs the compiled CLI from dist/, or the TypeScript sources through tsx in a
// development checkout where dist/ has not been built yet.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "surfaces", "cli", "main.js");
let entry = built;
if (!existsSync(built)) {
  try {
    const { register } = await import("tsx/esm/api");
    register();
  } catch {
    process.stderr.write("fastcontext: dist/ is missing and tsx is not installed; run `npm run build`.\n");
    process.exit(2);
  }
  entry = join(root, "src", "surfaces", "cli", "main.ts");
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
