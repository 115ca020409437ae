import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { parse as parseToml } from "smol-toml";
import { loadConfig } from "../../src/config/load.js";
import { ConfigSchema } from "../../src/config/schema.js";
import { starterConfig } from "../../src/config/starter.js";
import { cleanEnv, runMain } from "../e2e/harness.js";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
let cwd: string;
beforeEach(() => {
  cwd = realpathSync(mkdtempSync(join(tmpdir(), "fc-init-")));
  dirs.push(cwd);
});

const mode = (file: string) => statSync(file).mode & 0o777;
const projectFile = () => join(cwd, ".fastcontext", "config.toml");

describe("fastcontext init", () => {
  it("writes a commented project config (mode 0600) that loads as the defaults", async () => {
    const run = await runMain(["init"], { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${projectFile()}\n`);
    assert.equal(mode(projectFile()), 0o600);
    const text = readFileSync(projectFile(), "utf8");
    assert.match(text, /^# base_url = "http:\/\/127\.0\.0\.1:8000\/v1"/m);
    assert.match(text, /^# model = /m);
    assert.match(text, /^# api_key = /m);
    const loaded = loadConfig({ configFile: projectFile(), env: {} });
    assert.deepEqual(loaded.config, ConfigSchema.parse({}));
  });

  it("bakes in the exported FC_* values; a project file never stores the API key or the endpoint", async () => {
    const env = {
      FC_BASE_URL: "http://gpu-box:8000/v1",
      FC_MODEL: "microsoft/FastContext-1.0-4B-RL",
      FC_API_KEY: "sk-secret",
      MODEL: "not-this-one",
    };
    const run = await runMain(["init"], { cwd, env });
    assert.equal(run.code, 0, run.stderr);
    const text = readFileSync(projectFile(), "utf8");
    // A repository's config may not set the endpoint (loadConfig ignores it there), so it is not baked.
    assert.ok(!text.includes("gpu-box"));
    assert.match(text, /^# base_url = .*not read from a project file/m);
    assert.match(text, /^model = "microsoft\/FastContext-1\.0-4B-RL"$/m);
    assert.ok(!text.includes("sk-secret"));
    assert.ok(!text.includes("not-this-one"), "legacy variables are not baked");
    assert.match(run.stderr, /from FC_MODEL\)/);
    const { config, warnings } = loadConfig({ cwd, env: { XDG_CONFIG_HOME: join(cwd, "no-user-config") } });
    assert.deepEqual(warnings, [], "the starter project file loads without a warning");
    assert.equal(config.base_url, undefined);
    assert.equal(config.model, "microsoft/FastContext-1.0-4B-RL");
    assert.equal(config.api_key, undefined);
  });

  it("--user writes the user config, API key included, and the loader finds it", async () => {
    const env = { FC_BASE_URL: "http://gpu-box:8000/v1", FC_API_KEY: 'sk-"quoted"\\key' };
    const userFile = join(cleanEnv().XDG_CONFIG_HOME!, "fastcontext", "config.toml");
    rmSync(userFile, { force: true });
    try {
      const run = await runMain(["init", "--user"], { cwd, env });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${userFile}\n`);
      assert.equal(mode(userFile), 0o600);
      const { config, files } = loadConfig({ cwd, env: { XDG_CONFIG_HOME: cleanEnv().XDG_CONFIG_HOME } });
      assert.deepEqual(files, [userFile]);
      assert.equal(config.api_key, 'sk-"quoted"\\key');
      assert.equal(config.base_url, "http://gpu-box:8000/v1");
    } finally {
      rmSync(userFile, { force: true });
    }
  });

  it("refuses to overwrite without --force (exit 2, file untouched); --force overwrites and restores mode 0600", async () => {
    const file = join(cwd, "custom", "fc.toml");
    assert.equal((await runMain(["init", "--path", file], { cwd })).code, 0);
    writeFileSync(file, "max_turns = 3\n");
    chmodSync(file, 0o644);
    const refused = await runMain(["init", "--path", file], { cwd });
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, /already exists; use --force to overwrite it/);
    assert.equal(readFileSync(file, "utf8"), "max_turns = 3\n");
    const forced = await runMain(["init", "--path", file, "--force"], { cwd, env: { FC_MODEL: "m1" } });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(file, "utf8"), /^model = "m1"$/m);
    assert.equal(mode(file), 0o600);
    assert.ok(!existsSync(projectFile()), "--path writes only there");
  });

  it("--path and --user together are a usage error", async () => {
    const run = await runMain(["init", "--path", join(cwd, "x.toml"), "--user"], { cwd });
    assert.equal(run.code, 2);
  });

  it("every commented key in the starter is a real key with a valid example value", () => {
    const { text } = starterConfig({ includeApiKey: true, env: {} });
    const uncommented = text
      .split("\n")
      .filter((l) => /^# [a-z_]+ = /.test(l))
      .map((l) => l.slice(2).replace(/\s+#.*$/, ""))
      .join("\n");
    const values = parseToml(uncommented);
    assert.ok(Object.keys(values).length >= 15);
    const parsed = ConfigSchema.safeParse(values);
    assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.error.issues));
  });
});
