/**
 * Installed size of the package as a user gets it: `npm pack`, the tarball installed into a fresh
 * project with its production dependencies only (`npm ci --offline --omit=dev`, test/package/support.ts),
 * then disk usage (`du -sk`, 1 KiB blocks) of the whole node_modules and of each package in it.
 *
 *   node --import tsx bench/package-size.ts [--top N] [--keep]
 */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { packAndInstall } from "../test/package/support.js";

const { values } = parseArgs({ options: { top: { type: "string", default: "15" }, keep: { type: "boolean" } } });

function kib(path: string, apparent = false): number {
  const out = execFileSync("du", ["-sk", ...(apparent ? ["--apparent-size"] : []), path], { encoding: "utf8" });
  return Number(out.split("\t")[0]);
}

const pkg = packAndInstall();
const modules = join(pkg.project, "node_modules");
const packages = readdirSync(modules)
  .filter((n) => !n.startsWith("."))
  .flatMap((n) => (n.startsWith("@") ? readdirSync(join(modules, n)).map((m) => `${n}/${m}`) : [n]));
const sizes = packages.map((name) => ({ name, kib: kib(join(modules, name)) })).sort((a, b) => b.kib - a.kib);
const mb = (k: number) => (k / 1024).toFixed(1);
console.log(`tarball ${mb(kib(pkg.tarball, true))} MiB; installed ${mb(kib(modules))} MiB on disk`);
console.log(`(${mb(kib(modules, true))} MiB apparent), ${packages.length} packages`);
console.log("| package | KiB | MiB |\n| --- | --- | --- |");
for (const s of sizes.slice(0, Number(values.top))) console.log(`| ${s.name} | ${s.kib} | ${mb(s.kib)} |`);
if (values.keep) console.log(`kept: ${pkg.project}`);
else rmSync(dirname(pkg.project), { recursive: true, force: true });
