/**
 * Installs this package as a user would: `npm pack`, then the tarball into a fresh temporary
 * project with `npm ci --offline --omit=dev`. The temporary project's lockfile is derived from ours
 * (same versions and integrity hashes), so the install needs no registry metadata and runs from
 * the npm cache that `npm ci` filled; it fails loudly if a dependency is not there.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../e2e/harness.js";

interface LockEntry {
  version?: string;
  resolved?: string;
  name?: string;
  dev?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

export interface InstalledPackage {
  /** The temporary project the tarball was installed into. */
  project: string;
  tarball: string;
  name: string;
  version: string;
  /** node_modules/<name> inside the project. */
  dir: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Build dist/ unless it is newer than every source (what bin/fastcontext.js checks too). */
function ensureBuilt(): void {
  const stamp = join(ROOT, "dist", ".build-stamp");
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

/** The registry URL npm would have recorded for a lock entry that has none. */
function registryUrl(key: string, entry: LockEntry): string {
  const name = entry.name ?? key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
  const base = name.split("/").pop() ?? name;
  return `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz`;
}

export function packAndInstall(): InstalledPackage {
  ensureBuilt();
  const work = mkdtempSync(join(tmpdir(), "fc-package-"));
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const tarball = join(work, out.trim().split("\n").pop() ?? "");
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const root = lock.packages[""] as LockEntry & { name: string; version: string };
  const project = join(work, "project");
  mkdirSync(project);
  const dependencies = { [root.name]: `file:${tarball}` };
  const packages: Record<string, unknown> = {
    "": { name: "consumer", version: "1.0.0", dependencies },
    [`node_modules/${root.name}`]: {
      version: root.version,
      resolved: `file:${tarball}`,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
      license: root.license,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === "" || entry.dev || entry.link) continue;
    packages[key] = entry.resolved ? entry : { ...entry, resolved: registryUrl(key, entry) };
  }
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module", dependencies }, null, 2),
  );
  writeFileSync(
    join(project, "package-lock.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  execFileSync("npm", ["ci", "--offline", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: project,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { project, tarball, name: root.name, version: root.version, dir: join(project, "node_modules", root.name) };
}
