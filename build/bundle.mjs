// Run by `npm run build` after tsc. A few modules use a small part of a large dependency; this
// replaces their compiled output with a bundle of that part, so the dependency itself is a dev
// dependency and is not installed with the package (bench/package-size.ts measures the result).
// Each bundle starts with the licence of what it carries.
//   dist/tokens/o200k-encoding.js, dist/tokens/cl100k-encoding.js: gpt-tokenizer's encode() and one
//     encoding's ranks (the package installs four encodings in three module formats, 29 MiB).
//   dist/agent-eval/mcp-client.js: the two classes of the MCP client SDK the eval's `mcp` arm uses
//     (the SDK installs 7 MiB of builds and source maps, plus jose, eventsource, cross-spawn...).
//   dist/surfaces/tui/live.js: the live view with its view.tsx, Ink and React (Ink's dependency tree
//     installs 24 MiB, es-toolkit alone 18 MiB). Our other modules stay outside the bundle: their
//     imports are kept as written and resolve to the compiled files beside it.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The packages a build bundled (directories under node_modules, from its metafile). */
function bundledPackages(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  return [...dirs].sort();
}

/** One comment with the licence of each bundled package. */
function licences(dirs) {
  const parts = dirs.map((rel) => {
    const dir = join(root, rel);
    const { name, version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    const text = file ? readFileSync(join(dir, file), "utf8").trim() : "(the package has no licence file)";
    return `Bundled from ${name}@${version} (${license}):\n${text.replaceAll("*/", "* /")}`;
  });
  return `/*!\n${parts.join("\n\n")}\n*/`;
}

/** Our own modules (relative imports outside node_modules) stay external, except `inline`. */
function keepOurModules(inline) {
  return {
    name: "keep-our-modules",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind === "entry-point" || args.importer.includes("/node_modules/")) return undefined;
        if (inline.includes(args.path)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Ink under DEV=true: it imports its React devtools bridge, which needs react-devtools-core (not
 * installed): the stub fails the way the missing package does, and Ink prints its hint. It also
 * reads its own package.json beside its build/ folder, which the bundle does not have: that read
 * becomes the text of the file at build time.
 */
const inkOutsideItsFolder = {
  name: "ink-outside-its-folder",
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]devtools\.js$/ }, () => ({
      contents: 'const e = new Error("react-devtools-core is not bundled"); e.code = "ERR_MODULE_NOT_FOUND"; throw e;',
      loader: "js",
    }));
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const read = "fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')";
      if (!source.includes(read)) throw new Error(`ink's reconciler no longer reads its package.json as ${read}`);
      const own = JSON.stringify(readFileSync(join(dirname(args.path), "..", "package.json"), "utf8"));
      return { contents: source.replace(read, own), loader: "js" };
    });
  },
};

const common = {
  absWorkingDir: root,
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  charset: "utf8",
  legalComments: "none",
  logLevel: "warning",
  write: false,
  metafile: true,
};

/** CommonJS parts of a bundle (React, cross-spawn) call require() for Node built-ins. */
const REQUIRE =
  'import { createRequire as __fcRequire } from "node:module";\nconst require = __fcRequire(import.meta.url);';

const bundles = [
  { entry: "src/tokens/o200k-encoding.ts", out: "dist/tokens/o200k-encoding.js" },
  { entry: "src/tokens/cl100k-encoding.ts", out: "dist/tokens/cl100k-encoding.js" },
  {
    entry: "src/surfaces/tui/live.ts",
    out: "dist/surfaces/tui/live.js",
    options: {
      jsx: "automatic",
      plugins: [keepOurModules(["./view.js"]), inkOutsideItsFolder],
      banner: REQUIRE,
    },
    // Inlined into live.js; the compiled copy would import Ink and React, which are not installed.
    remove: ["dist/surfaces/tui/view.js"],
  },
  {
    entry: "src/agent-eval/mcp-client.ts",
    out: "dist/agent-eval/mcp-client.js",
    // zod is a dependency of ours (and of the MCP server SDK): one copy, installed.
    options: { external: ["zod", "zod/*"], banner: REQUIRE },
  },
];

for (const b of bundles) {
  const { banner, ...options } = b.options ?? {};
  const result = await build({ ...common, ...options, entryPoints: [b.entry], outfile: b.out });
  const [output] = result.outputFiles;
  const head = `${licences(bundledPackages(result.metafile))}\n${banner ?? ""}\n`;
  writeFileSync(join(root, b.out), head + output.text);
  for (const path of b.remove ?? []) rmSync(join(root, path), { force: true });
}
