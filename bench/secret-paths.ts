/**
 * What asking "is this a secret file?" of every path of a listing costs, picomatch's list matchers
 * (one regular expression per glob, tried in turn) against the joined expressions the workspace uses
 * (`globListMatcher` in src/workspace/secrets.ts):
 *
 *   node --import tsx bench/secret-paths.ts --tree DIR [--runs 7]
 *
 * The paths are the tree's `rg --files` listing. Each run times both over every path, alternating
 * which goes first; prints the medians and their ratio (reference / joined), and fails if the two
 * disagree on any path.
 */
import { execFileSync } from "node:child_process";
import picomatch from "picomatch";
import { locateRipgrep } from "../src/tools/grep/ripgrep.js";
import {
  globListMatcher,
  SECRET_EXCEPTIONS,
  SECRET_NAME_PATTERNS,
  SECRET_PATH_PATTERNS,
} from "../src/workspace/secrets.js";

const argv = process.argv.slice(2);
const opt = (name: string, fallback?: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
};
const tree = opt("tree");
if (!tree) throw new Error("secret-paths needs --tree DIR");
const runs = Number(opt("runs", "7"));

const rg = await locateRipgrep();
if (!rg) throw new Error("no ripgrep here");
const paths = execFileSync(rg.path, ["--files", "--hidden", "--no-ignore", "--glob", "!.git"], {
  cwd: tree,
  maxBuffer: 1 << 30,
  encoding: "utf8",
})
  .split("\n")
  .filter((p) => p !== "");

type Check = (rel: string) => boolean;
const classify = (exception: Check, name: Check, path: Check): Check => {
  return (rel) => {
    const base = rel.slice(rel.lastIndexOf("/") + 1);
    return !exception(base) && (name(base) || path(rel));
  };
};
const options = { dot: true, nocase: true };
const reference = classify(
  picomatch(SECRET_EXCEPTIONS as string[], options),
  picomatch(SECRET_NAME_PATTERNS as string[], options),
  picomatch(SECRET_PATH_PATTERNS as string[], options),
);
const joined = classify(
  globListMatcher(SECRET_EXCEPTIONS),
  globListMatcher(SECRET_NAME_PATTERNS),
  globListMatcher(SECRET_PATH_PATTERNS),
);

const differ = paths.filter((p) => reference(p) !== joined(p));
if (differ.length > 0) throw new Error(`the matchers disagree on ${differ.length} paths, e.g. ${differ[0]}`);
const secrets = paths.filter(joined).length;

const time = (check: Check): number => {
  const t0 = performance.now();
  let n = 0;
  for (const p of paths) if (check(p)) n++;
  if (n !== secrets) throw new Error("count changed");
  return performance.now() - t0;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ref: number[] = [];
const ours: number[] = [];
for (let r = 0; r < runs; r++) {
  if (r % 2 === 0) {
    ref.push(time(reference));
    ours.push(time(joined));
  } else {
    ours.push(time(joined));
    ref.push(time(reference));
  }
}
const a = median(ref);
const b = median(ours);
process.stdout.write(
  `${paths.length} paths (${secrets} secret), ${runs} runs: picomatch lists ${a.toFixed(1)} ms, ` +
    `joined ${b.toFixed(1)} ms, ratio ${(a / b).toFixed(2)}x (same answers on every path)\n`,
);
