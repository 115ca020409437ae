#!/usr/bin/env node
// Entry point. Runs the compiled CLI from dist/ when it is up to date with src/ (an installed
// package, or a checkout after `npm run build`); otherwise runs the TypeScript sources through tsx,
// so a development checkout never runs stale compiled code.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "surfaces", "cli", "main.js");
const sources = join(root, "src");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function distIsCurrent() {
  if (!existsSync(built)) return false;
  if (!existsSync(sources)) return true;
  const stamp = join(root, "dist", ".build-stamp");
  return existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(sources);
}

let entry = built;
if (!distIsCurrent()) {
  try {
    const { register } = await import("tsx/esm/api");
    register();
    entry = join(sources, "surfaces", "cli", "main.ts");
  } catch {
    if (!existsSync(built)) {
      process.stderr.write("fastcontext: dist/ is missing and tsx is not installed; run `npm run build`.\n");
      process.exit(2);
    }
  }
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
