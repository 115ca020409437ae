/**
 * `install` for every client and scope, in a temporary home and project: the written file parses
 * in the client's format, holds our server, keeps what was there, is backed up once, and a second
 * run changes nothing. Planning (`--print`) writes nothing.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { parse as parseToml } from "smol-toml";
import { CLIENT_IDS, CLIENTS, type ClientId, type InstallPlaces, type Scope } from "../../src/install/clients.js";
import { applyInstall, planInstall } from "../../src/install/install.js";
import { MergeRefusal, stripJsonc } from "../../src/install/json-edit.js";
import { binPath, launcherLine, NPM_PACKAGE, resolveLauncher } from "../../src/install/launcher.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function places(): InstallPlaces {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "fc-install-")));
  dirs.push(base);
  const home = join(base, "home");
  const project = join(base, "project");
  mkdirSync(home);
  mkdirSync(project);
  return { home, project, env: {}, platform: "linux" };
}

const entry = { launcher: resolveLauncher("node"), env: {} };

function install(client: ClientId, scope: Scope, p: InstallPlaces, extra: { force?: boolean } = {}) {
  return applyInstall(planInstall({ client, scope, name: "fastcontext", entry, places: p, ...extra }));
}

function backups(file: string): string[] {
  return readdirSync(dirname(file)).filter((name) => name.startsWith(`${basename(file)}.bak-`));
}

/** What an existing config holds before we install: another server and an unrelated setting. */
function seed(client: ClientId): string {
  switch (client) {
    case "codex":
      return '# my settings\nmodel = "o3"\n\n[mcp_servers.other]\ncommand = "other-server" # keep this comment\nargs = ["--x"]\n\n[profiles.fast]\nmodel = "mini"\n';
    case "vscode":
      return `${JSON.stringify({ inputs: [], servers: { other: { type: "stdio", command: "other-server" } } }, null, "\t")}\n`;
    case "opencode":
      return `${JSON.stringify({ $schema: "https://opencode.ai/config.json", model: "x/y", mcp: { other: { type: "local", command: ["other-server"] } } }, null, 2)}\n`;
    default:
      return `${JSON.stringify({ theme: "dark", projects: { "/some/where": { allowedTools: [] } }, mcpServers: { other: { command: "other-server" } } }, null, 2)}\n`;
  }
}

/** Our server and the other one, read back in the client's own format. */
function readServers(
  client: ClientId,
  file: string,
): { ours: Record<string, unknown>; other: unknown; rest: Record<string, unknown> } {
  const text = readFileSync(file, "utf8");
  const spec = CLIENTS[client];
  if (spec.format === "toml") {
    const doc = parseToml(text) as Record<string, Record<string, Record<string, unknown>>>;
    return { ours: doc.mcp_servers!.fastcontext!, other: doc.mcp_servers!.other, rest: doc };
  }
  const doc = JSON.parse(text) as Record<string, unknown>;
  let node: Record<string, unknown> = doc;
  for (const key of spec.path) node = node[key] as Record<string, unknown>;
  return { ours: node.fastcontext as Record<string, unknown>, other: node.other, rest: doc };
}

function launchOf(client: ClientId, ours: Record<string, unknown>): string[] {
  if (client === "opencode") return ours.command as string[];
  return [ours.command as string, ...(ours.args as string[])];
}

describe("install writes each client's real format", () => {
  for (const client of CLIENT_IDS) {
    for (const scope of ["project", "user"] as const) {
      test(`${client} (${scope}): merges, keeps other entries, backs up once, second run is a no-op`, () => {
        const p = places();
        const file = CLIENTS[client].file(scope, p);
        mkdirSync(dirname(file), { recursive: true });
        const original = seed(client);
        writeFileSync(file, original);

        const first = install(client, scope, p);
        assert.equal(first.changed, true);
        assert.ok(first.backup && existsSync(first.backup));
        assert.equal(readFileSync(first.backup, "utf8"), original, "the backup holds the original");
        const { ours, other, rest } = readServers(client, file);
        assert.deepEqual(launchOf(client, ours), [process.execPath, binPath(), "mcp"]);
        assert.ok(other, "the other server is kept");
        if (client === "codex") {
          assert.equal(rest.model, "o3");
          assert.match(readFileSync(file, "utf8"), /# keep this comment/);
        }
        if (client === "claude-code" || client === "cursor" || client === "gemini-cli")
          assert.equal(rest.theme, "dark");
        if (client === "vscode") {
          assert.equal(ours.type, "stdio");
          assert.match(readFileSync(file, "utf8"), /^\t"inputs"/m, "the file's tab indentation is kept");
        }
        if (client === "opencode") assert.deepEqual([ours.type, ours.enabled], ["local", true]);
        if (client === "claude-code") assert.equal(ours.type, "stdio");
        if (client === "codex") assert.equal(ours.tool_timeout_sec, 600);
        if (client === "gemini-cli") assert.equal(ours.timeout, 600_000);

        const afterFirst = readFileSync(file, "utf8");
        const second = install(client, scope, p);
        assert.equal(second.changed, false);
        assert.equal(second.backup, undefined);
        assert.equal(readFileSync(file, "utf8"), afterFirst);
        assert.equal(backups(file).length, 1, "exactly one backup");
      });
    }
    test(`${client}: a missing file is created (no backup); planning alone writes nothing`, () => {
      const p = places();
      const plan = planInstall({ client, scope: "project", name: "fastcontext", entry, places: p });
      assert.equal(plan.oldText, null);
      assert.match(plan.diff, /^--- \/dev\/null\n\+\+\+ /);
      assert.equal(existsSync(plan.file), false, "planning writes nothing");
      const done = applyInstall(plan);
      assert.equal(done.backup, undefined);
      assert.ok(readServers(client, plan.file).ours);
      assert.deepEqual(backups(plan.file), []);
    });
  }

  test("user-scope files live where each client reads them", () => {
    const p = { ...places(), env: { XDG_CONFIG_HOME: "/xdg", CODEX_HOME: "/codex-home", APPDATA: "C:/AppData" } };
    assert.equal(CLIENTS["claude-code"].file("user", p), join(p.home, ".claude.json"));
    assert.equal(CLIENTS.codex.file("user", p), "/codex-home/config.toml");
    assert.equal(CLIENTS.opencode.file("user", p), "/xdg/opencode/opencode.json");
    assert.equal(CLIENTS.cursor.file("user", p), join(p.home, ".cursor", "mcp.json"));
    assert.equal(CLIENTS.vscode.file("user", p), "/xdg/Code/User/mcp.json");
    assert.equal(
      CLIENTS.vscode.file("user", { ...p, platform: "darwin" }),
      join(p.home, "Library", "Application Support", "Code", "User", "mcp.json"),
    );
    assert.equal(CLIENTS["gemini-cli"].file("user", p), join(p.home, ".gemini", "settings.json"));
  });

  test("a JSONC file is refused unless --force, which rewrites it as JSON and keeps a backup", () => {
    const p = places();
    const file = CLIENTS.vscode.file("project", p);
    mkdirSync(dirname(file), { recursive: true });
    const jsonc = '{\n  // my servers\n  "servers": {\n    "other": { "type": "stdio", "command": "x", },\n  },\n}\n';
    writeFileSync(file, jsonc);
    assert.throws(
      () => install("vscode", "project", p),
      (error: unknown) => error instanceof MergeRefusal && /comments/.test(error.message),
    );
    assert.equal(readFileSync(file, "utf8"), jsonc, "untouched when refused");
    const forced = install("vscode", "project", p, { force: true });
    assert.equal(readFileSync(forced.backup!, "utf8"), jsonc);
    const { ours, other } = readServers("vscode", file);
    assert.ok(ours && other);
  });

  test("opencode files in the V2 shape get the entry under mcp.servers, without `enabled`", () => {
    const p = places();
    const file = CLIENTS.opencode.file("project", p);
    writeFileSync(
      file,
      `${JSON.stringify({ mcp: { servers: { other: { type: "local", command: ["x"] } } } }, null, 2)}\n`,
    );
    install("opencode", "project", p);
    const doc = JSON.parse(readFileSync(file, "utf8")) as { mcp: { servers: Record<string, Record<string, unknown>> } };
    assert.deepEqual(Object.keys(doc.mcp.servers).sort(), ["fastcontext", "other"]);
    assert.equal(doc.mcp.servers.fastcontext!.enabled, undefined);
  });

  test("an existing entry keeps the keys the user added (env), ours are updated", () => {
    const p = places();
    const file = CLIENTS.cursor.file("project", p);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ mcpServers: { fastcontext: { command: "old", args: [], env: { FC_BASE_URL: "http://gpu:8000/v1" } } } }, null, 2)}\n`,
    );
    install("cursor", "project", p);
    const { ours } = readServers("cursor", file);
    assert.equal(ours.command, process.execPath);
    assert.deepEqual(ours.env, { FC_BASE_URL: "http://gpu:8000/v1" });
  });

  test("codex: an inline-table definition is refused instead of corrupted; invalid TOML is refused", () => {
    const p = places();
    const file = CLIENTS.codex.file("user", p);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'mcp_servers = { fastcontext = { command = "x" } }\n');
    assert.throws(() => install("codex", "user", p), MergeRefusal);
    writeFileSync(file, "this is = = not toml\n");
    assert.throws(() => install("codex", "user", p), /not valid TOML/);
  });

  test("a symlinked config file is written through the link", () => {
    const p = places();
    const real = join(p.home, "dotfiles-claude.json");
    writeFileSync(real, "{}\n");
    symlinkSync(real, join(p.home, ".claude.json"));
    install("claude-code", "user", p);
    assert.ok(readServers("claude-code", real).ours, "the link target holds the server");
    assert.ok(readdirSync(p.home).includes(".claude.json"));
  });

  test("stripJsonc keeps comment-like text inside strings", () => {
    assert.deepEqual(JSON.parse(stripJsonc('{"a": "http://x//y", /* c */ "b": "1,}", // d\n}')), {
      a: "http://x//y",
      b: "1,}",
    });
  });
});

describe("the npx launcher", () => {
  test("names the published package explicitly and runs its `fastcontext` command", () => {
    const pkg = JSON.parse(readFileSync(join(dirname(binPath()), "..", "package.json"), "utf8")) as { name: string };
    assert.equal(NPM_PACKAGE, pkg.name);
    // Not the registry's unrelated `fastcontext` package: npx resolves the package by --package.
    assert.notEqual(pkg.name, "fastcontext");
    const launcher = resolveLauncher("npx", ["--http"]);
    assert.deepEqual(launcher, { command: "npx", args: ["-y", "--package", pkg.name, "fastcontext", "mcp", "--http"] });
    assert.equal(launcherLine(launcher), `npx -y --package ${pkg.name} fastcontext mcp --http`);
  });
});
