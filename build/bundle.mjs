// Run by `npm run build` after tsc: replaces the compiled leaf modules that re-export a large
// dependency's one used part with a bundle of that part, so the dependency itself is a dev
// dependency and is not installed with the package. Each bundle carries its licence notice.
//   dist/tokens/o200k-encoding.js, dist/tokens/cl100k-encoding.js: gpt-tokenizer's encode() and
//   one encoding's ranks (the package installs four encodings in three module formats, 29 MiB).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));

function licence(pkg) {
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const text = readFileSync(join(dir, "LICENSE"), "utf8").trim();
  return `/*! Bundled from ${pkg}@${version} (${license}):\n${text.replaceAll("*/", "* /")}\n*/`;
}

const bundles = [
  { entry: "src/tokens/o200k-encoding.ts", out: "dist/tokens/o200k-encoding.js", from: "gpt-tokenizer" },
  { entry: "src/tokens/cl100k-encoding.ts", out: "dist/tokens/cl100k-encoding.js", from: "gpt-tokenizer" },
];

for (const b of bundles) {
  await build({
    absWorkingDir: root,
    entryPoints: [b.entry],
    outfile: b.out,
    allowOverwrite: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    charset: "utf8",
    legalComments: "none",
    banner: { js: licence(b.from) },
    logLevel: "warning",
  });
}
