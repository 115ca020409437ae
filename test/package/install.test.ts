/**
 * The package as a user gets it: packed, installed from the tarball into a fresh project without
 * dev dependencies, imported from JavaScript (ESM) and type-checked from TypeScript, its command
 * run through npx, its npx launcher line checked, and its contents checked for what must not ship.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { ROOT } from "../e2e/harness.js";
import { cleanEnv, demoRepo } from "../mcp/support.js";
import type { TmpRepo } from "../support/tmp-repo.js";
import { fixtureEvents } from "../tui/events-fixture.js";
import { type InstalledPackage, packAndInstall } from "./support.js";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

let pkg: InstalledPackage;
let repo: TmpRepo;

before(async () => {
  pkg = packAndInstall();
  repo = await demoRepo("fc-package-repo-");
});
after(() => {
  repo?.cleanup();
  if (pkg) rmSync(dirname(pkg.project), { recursive: true, force: true });
});

function run(command: string, args: string[], cwd = pkg.project) {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(), encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("the installed package", () => {
  test("is importable from JavaScript: explore() answers with one run_start and one run_end", () => {
    const script = join(pkg.project, "use.mjs");
    writeFileSync(
      script,
      [
        `import { explore, openToolbox, resolveConfig, TOOL_NAMES, VERSION } from "${pkg.name}";`,
        "const events = [];",
        "const result = await explore({",
        `  query: "where is the retry delay computed?", repo: ${JSON.stringify(repo.root)},`,
        '  policy: "embedded", onEvent: (e) => events.push(e.type),',
        "});",
        `const toolbox = await openToolbox(${JSON.stringify(repo.root)});`,
        'const [grep] = await toolbox.runTurn([{ id: "c1", name: "Grep", arguments: { pattern: "retryDelay" } }]);',
        "const config = await resolveConfig({ max_turns: 3 });",
        "console.log(JSON.stringify({ VERSION, TOOL_NAMES, policy: result.policy, stop: result.stopReason,",
        "  paths: result.citations.map((c) => c.path), events, grep: grep.text, maxTurns: config.max_turns }));",
      ].join("\n"),
    );
    const out = run(process.execPath, [script]);
    assert.equal(out.code, 0, out.stderr);
    const seen = JSON.parse(out.stdout) as {
      VERSION: string;
      TOOL_NAMES: string[];
      policy: string;
      stop: string;
      paths: string[];
      events: string[];
      grep: string;
      maxTurns: number;
    };
    assert.equal(seen.VERSION, pkg.version);
    assert.deepEqual(seen.TOOL_NAMES, ["Read", "Glob", "Grep"]);
    assert.equal(seen.policy, "embedded");
    assert.equal(seen.stop, "answered");
    assert.ok(seen.paths.includes("src/retry.ts"), seen.paths.join(", "));
    assert.equal(seen.events.filter((t) => t === "run_start").length, 1);
    assert.equal(seen.events.filter((t) => t === "run_end").length, 1);
    assert.equal(seen.events.at(-1), "run_end");
    assert.match(seen.grep, /retry\.ts/);
    assert.equal(seen.maxTurns, 3);
  });

  test("runs on its production dependencies alone: bundled grammars and tokenizers load", () => {
    // What the build bundles or vendors instead of installing: the dev dependencies are absent.
    for (const dev of ["gpt-tokenizer", "@cursorless/tree-sitter-wasms", "esbuild", "ink", "react", "es-toolkit"])
      assert.ok(!existsSync(join(pkg.project, "node_modules", dev)), `${dev} is installed`);
    const dist = (rel: string) => JSON.stringify(pathToFileURL(join(pkg.dir, "dist", rel)).href);
    const script = join(pkg.project, "load.mjs");
    writeFileSync(
      script,
      [
        `const { GrammarRegistry } = await import(${dist("analysis/grammar.js")});`,
        `const { LANGUAGE_IDS } = await import(${dist("analysis/languages.js")});`,
        `const { TokenCounter } = await import(${dist("tokens/counter.js")});`,
        `const { countCl100k } = await import(${dist("corpus/cl100k.js")});`,
        "const registry = new GrammarRegistry();",
        "const grammars = [];",
        "for (const lang of LANGUAGE_IDS) if ((await registry.parserFor(lang))?.parse('x')) grammars.push(lang);",
        "const count = (family) => new TokenCounter(family).exact('Hello, world!');",
        "console.log(JSON.stringify({ grammars, all: LANGUAGE_IDS.length, qwen3: await count('qwen3'),",
        "  o200k: await count('o200k'), cl100k: countCl100k('Hello, world!') }));",
      ].join("\n"),
    );
    const out = run(process.execPath, [script]);
    assert.equal(out.code, 0, out.stderr);
    const seen = JSON.parse(out.stdout) as {
      grammars: string[];
      all: number;
      qwen3: number;
      o200k: number;
      cl100k: number;
    };
    assert.equal(seen.grammars.length, seen.all, seen.grammars.join(", "));
    assert.deepEqual({ qwen3: seen.qwen3, o200k: seen.o200k, cl100k: seen.cl100k }, { qwen3: 4, o200k: 4, cl100k: 4 });
  });

  test("draws the live view with the Ink and React bundled into it", () => {
    assert.ok(!existsSync(join(pkg.project, "node_modules", "ink")), "ink is installed");
    const events = join(pkg.project, "events.json");
    writeFileSync(events, JSON.stringify(fixtureEvents()));
    const script = join(pkg.project, "view.mjs");
    writeFileSync(
      script,
      [
        'import { readFileSync } from "node:fs";',
        'import { PassThrough } from "node:stream";',
        `const { startRunView } = await import(${JSON.stringify(pathToFileURL(join(pkg.dir, "dist", "surfaces", "tui", "live.js")).href)});`,
        "const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });",
        "const chunks = [];",
        'stream.on("data", (c) => chunks.push(c.toString("utf8")));',
        'const view = startRunView({ stream, env: { TERM: "xterm", NO_COLOR: "1" } });',
        `for (const e of JSON.parse(readFileSync(${JSON.stringify(events)}, "utf8"))) view.onEvent(e);`,
        "await view.stop();",
        'console.log(JSON.stringify({ mode: view.mode, text: chunks.join("") }));',
      ].join("\n"),
    );
    const out = run(process.execPath, [script]);
    assert.equal(out.code, 0, out.stderr);
    const seen = JSON.parse(out.stdout) as { mode: string; text: string };
    assert.equal(seen.mode, "ink");
    const text = seen.text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    assert.match(text, /─ final answer · 2 citations \(2 verified\), 1 dropped/);
    assert.match(text, /done: answered · 3 turns · 3 tool calls/);
  });

  test("the eval's bundled MCP client lists the installed server's tools", () => {
    assert.ok(
      !existsSync(join(pkg.project, "node_modules", "@modelcontextprotocol", "client")),
      "the client is installed",
    );
    const script = join(pkg.project, "client.mjs");
    const bin = join(pkg.dir, "bin", "fastcontext.js");
    writeFileSync(
      script,
      [
        `const { Client, StdioClientTransport } = await import(${JSON.stringify(pathToFileURL(join(pkg.dir, "dist", "agent-eval", "mcp-client.js")).href)});`,
        `const transport = new StdioClientTransport({ command: process.execPath, args: [${JSON.stringify(bin)}, "mcp", "--allow-root", ${JSON.stringify(repo.root)}], stderr: "ignore" });`,
        'const client = new Client({ name: "package-test", version: "1.0.0" });',
        "await client.connect(transport);",
        "const { tools } = await client.listTools();",
        "await client.close();",
        "console.log(JSON.stringify(tools.map((t) => t.name)));",
      ].join("\n"),
    );
    const out = run(process.execPath, [script]);
    assert.equal(out.code, 0, out.stderr);
    assert.ok((JSON.parse(out.stdout) as string[]).includes("explore"), out.stdout);
  });

  test("type-checks from TypeScript, and its types are not `any`", () => {
    const good = join(pkg.project, "good.ts");
    writeFileSync(
      good,
      [
        `import { explore, type ExploreEvent, type ExploreResult, type Citation, STOP_REASONS } from "${pkg.name}";`,
        "const seen: ExploreEvent[] = [];",
        'const result: ExploreResult = await explore({ query: "q", onEvent: (e) => seen.push(e) });',
        "const first: Citation | undefined = result.citations[0];",
        "const lines: number = first ? first.end - first.start + 1 : 0;",
        "const known: boolean = STOP_REASONS.includes(result.stopReason);",
        "export { lines, known };",
      ].join("\n"),
    );
    const bad = join(pkg.project, "bad.ts");
    writeFileSync(
      bad,
      [
        `import { explore } from "${pkg.name}";`,
        'const result = await explore({ query: "q" });',
        "const turns: string = result.turns;",
        "export { turns };",
      ].join("\n"),
    );
    const tsc = (file: string) =>
      run(process.execPath, [
        TSC,
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--typeRoots",
        join(ROOT, "node_modules", "@types"),
        "--types",
        "node",
        file,
      ]);
    const ok = tsc(good);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const wrong = tsc(bad);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout, /bad\.ts.*Type 'number' is not assignable to type 'string'/);
  });

  test("npx runs its command by the package name, offline", () => {
    const out = run("npx", ["--offline", pkg.name, "--version"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), pkg.version);
    const explicit = run("npx", ["--offline", "--package", pkg.name, "fastcontext", "--version"]);
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.equal(explicit.stdout.trim(), pkg.version);
  });

  test("install --launcher npx writes the npx line of the published name", () => {
    const bin = join(pkg.project, "node_modules", ".bin", "fastcontext");
    const out = run(bin, ["install", "claude-code", "--launcher", "npx", "--no-note", "--dir", pkg.project]);
    assert.equal(out.code, 0, out.stderr);
    const written = JSON.parse(readFileSync(join(pkg.project, ".mcp.json"), "utf8")) as {
      mcpServers: Record<string, { command: string; args: string[] }>;
    };
    assert.deepEqual(written.mcpServers.fastcontext, {
      type: "stdio",
      command: "npx",
      args: ["-y", "--package", pkg.name, "fastcontext", "mcp"],
    });
    assert.match(out.stdout, new RegExp(`Launch command: npx -y --package ${pkg.name} fastcontext mcp`));
  });

  test("ships no source maps, a LICENSE, and README links that resolve inside the package", () => {
    const files = filesUnder(pkg.dir);
    assert.deepEqual(
      files.filter((f) => f.endsWith(".map")),
      [],
    );
    assert.ok(existsSync(join(pkg.dir, "dist", "index.js")));
    assert.ok(existsSync(join(pkg.dir, "dist", "index.d.ts")));
    assert.match(readFileSync(join(pkg.dir, "LICENSE"), "utf8"), /MIT License/);
    const meta = JSON.parse(readFileSync(join(pkg.dir, "package.json"), "utf8")) as Record<string, unknown>;
    assert.ok(meta.repository && meta.homepage, "repository and homepage are set");
    const readme = readFileSync(join(pkg.dir, "README.md"), "utf8");
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? "");
    const local = links.filter((l) => !/^[a-z]+:/.test(l));
    const missing = local.filter((l) => !existsSync(join(pkg.dir, l)));
    assert.deepEqual(missing, []);
    // No source or test file ships (src/ holds only the eval harness's README, linked from README.md).
    const shipped = execFileSync("tar", ["-tzf", pkg.tarball], { encoding: "utf8" }).split("\n");
    assert.deepEqual(
      shipped.filter((f) => /^package\/(src|test|bench)\//.test(f)),
      ["package/src/eval/README.md"],
    );
  });
});
