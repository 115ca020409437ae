import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { findProjectConfig, loadConfig, userConfigPath } from "../../src/config/load.js";
import { ConfigSchema } from "../../src/config/schema.js";
import { ConfigError } from "../../src/util/errors.js";

let base: string;
/** Directories a test made for itself, removed with the rest after the file. */
const scratch: string[] = [];
const scratchDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
let xdg: string;
let project: string;
let deep: string;
before(() => {
  base = realpathSync(scratchDir("fc-config-"));
  xdg = join(base, "xdg");
  project = join(base, "proj");
  deep = join(project, "a", "b", "c");
  mkdirSync(deep, { recursive: true });
});
after(() => rmSync(base, { recursive: true, force: true }));

function write(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}
const userFile = () => join(xdg, "fastcontext", "config.toml");
const projectFile = () => join(project, ".fastcontext", "config.toml");
function reset(): void {
  rmSync(userFile(), { force: true });
  rmSync(projectFile(), { force: true });
}

/** Load with an isolated environment (XDG pointing into the sandbox) plus `env`. */
const load = (
  options: { env?: NodeJS.ProcessEnv; flags?: Record<string, unknown>; cwd?: string; configFile?: string } = {},
) =>
  loadConfig({
    env: { XDG_CONFIG_HOME: xdg, ...options.env },
    cwd: options.cwd ?? deep,
    home: join(base, "home"),
    ...(options.flags ? { flags: options.flags } : {}),
    ...(options.configFile ? { configFile: options.configFile } : {}),
  });

const isConfigError = (pattern: RegExp) => (e: unknown) =>
  e instanceof ConfigError && pattern.test(e.message) && e.exitCode === 2;

describe("loadConfig: precedence", () => {
  it("defaults when nothing is set", () => {
    reset();
    const { config, sources, files } = load();
    assert.deepEqual(config, ConfigSchema.parse({}));
    assert.equal(config.max_turns, 12);
    assert.equal(config.max_context, "auto");
    assert.equal(config.deadline_s, 300);
    assert.deepEqual(sources, {});
    assert.deepEqual(files, []);
  });

  it("flag > FC_* > legacy > project (searched upward) > user > default, key by key", () => {
    reset();
    write(
      userFile(),
      'base_url = "http://user/v1"\nmodel = "user-model"\napi_key = "user-key"\nmax_turns = 3\nmax_citations = 7\ntemperature = 0.1\n',
    );
    write(
      projectFile(),
      'base_url = "http://project/v1"\nmodel = "project-model"\napi_key = "project-key"\nmax_turns = 4\n',
    );
    const env = { FC_BASE_URL: "http://fc/v1", MODEL: "legacy-model", BASE_URL: "http://legacy/v1", FC_MAX_TURNS: "5" };
    const { config, sources, files } = load({ env, flags: { base_url: "http://flag/v1", temperature: undefined } });
    assert.equal(config.base_url, "http://flag/v1");
    assert.equal(sources.base_url, "flag --base-url");
    assert.equal(config.max_turns, 5);
    assert.equal(sources.max_turns, "environment variable FC_MAX_TURNS");
    assert.equal(config.model, "legacy-model");
    assert.equal(sources.model, "environment variable MODEL");
    // A project file may not set the endpoint's key (nor the endpoint): the user's stays.
    assert.equal(config.api_key, "user-key");
    assert.equal(sources.api_key, userFile());
    assert.equal(config.max_citations, 7);
    assert.equal(sources.max_citations, userFile());
    assert.equal(config.temperature, 0.1, "an undefined flag does not override");
    assert.equal(config.deadline_s, 300);
    assert.deepEqual(files, [userFile(), projectFile()]);
  });

  it("FC_* beats its legacy name; an empty FC_* falls back to the legacy one", () => {
    reset();
    assert.equal(load({ env: { FC_MODEL: "fc", MODEL: "legacy" } }).config.model, "fc");
    assert.equal(load({ env: { FC_MODEL: "", MODEL: "legacy" } }).config.model, "legacy");
    assert.equal(load({ env: { FC_API_KEY: "", API_KEY: "" } }).config.api_key, undefined);
  });

  it("environment strings are typed by the schema", () => {
    reset();
    const { config } = load({
      env: {
        FC_MAX_CONTEXT: "32768",
        FC_FALLBACK: "true",
        FC_TEMPERATURE: "0.5",
        FC_SECRET_ALLOW: "a.env, b.pem",
        FC_MODEL: "123",
      },
    });
    assert.equal(config.max_context, 32768);
    assert.equal(config.fallback, true);
    assert.equal(config.temperature, 0.5);
    assert.deepEqual(config.secret_allow, ["a.env", "b.pem"]);
    assert.equal(config.model, "123", "a numeric model id stays a string");
    assert.equal(load({ env: { FC_MAX_CONTEXT: "auto" } }).config.max_context, "auto");
  });

  it("the project file is found from any depth and the nearest one wins", () => {
    reset();
    write(projectFile(), "max_turns = 4\n");
    const nearer = write(join(project, "a", ".fastcontext", "config.toml"), "max_turns = 6\n");
    try {
      assert.equal(findProjectConfig(deep), nearer);
      assert.equal(load().config.max_turns, 6);
      assert.equal(load({ cwd: project }).config.max_turns, 4);
    } finally {
      rmSync(nearer);
    }
  });

  it("--config / FC_CONFIG replace discovery", () => {
    reset();
    write(userFile(), "max_turns = 3\n");
    write(projectFile(), "max_turns = 4\n");
    const explicit = write(join(base, "explicit.toml"), "max_citations = 9\n");
    const viaFlag = load({ configFile: explicit });
    assert.equal(viaFlag.config.max_turns, 12);
    assert.equal(viaFlag.config.max_citations, 9);
    assert.deepEqual(viaFlag.files, [explicit]);
    assert.equal(load({ env: { FC_CONFIG: explicit } }).config.max_citations, 9);
  });

  it("the user file lives under $XDG_CONFIG_HOME, else ~/.config", () => {
    assert.equal(userConfigPath({ XDG_CONFIG_HOME: "/x" }, "/home/u"), "/x/fastcontext/config.toml");
    assert.equal(userConfigPath({}, "/home/u"), "/home/u/.config/fastcontext/config.toml");
  });
});

describe("loadConfig: errors name their source", () => {
  it("bad TOML in the project file", () => {
    reset();
    write(projectFile(), "max_turns = = 3\n");
    assert.throws(
      () => load(),
      isConfigError(new RegExp(`config file ${projectFile().replace(/[.]/g, "\\.")} is not valid TOML`)),
    );
  });

  it("bad TOML in the user file", () => {
    reset();
    write(userFile(), "[unclosed\n");
    assert.throws(() => load(), isConfigError(/xdg\/fastcontext\/config\.toml is not valid TOML/));
  });

  it("a bad value in a file names the key and the file", () => {
    reset();
    write(projectFile(), 'max_turns = "many"\n');
    assert.throws(
      () => load(),
      isConfigError(new RegExp(`invalid value for max_turns \\(from ${projectFile().replace(/[.]/g, "\\.")}\\)`)),
    );
  });

  it("an unknown key in a file is refused with the list of known keys", () => {
    reset();
    write(userFile(), "max_turn = 3\n");
    assert.throws(() => load(), isConfigError(/unknown config key "max_turn" in .*known keys: base_url/));
  });

  it("a bad value in the environment names the variable", () => {
    reset();
    assert.throws(
      () => load({ env: { FC_TEMPERATURE: "hot" } }),
      isConfigError(/invalid value for temperature \(from environment variable FC_TEMPERATURE\)/),
    );
    assert.throws(
      () => load({ env: { FC_MAX_TURNS: "0" } }),
      isConfigError(/max_turns \(from environment variable FC_MAX_TURNS\)/),
    );
    assert.throws(
      () => load({ env: { FC_POLICY: "psychic" } }),
      isConfigError(/policy \(from environment variable FC_POLICY\)/),
    );
  });

  it("a bad flag value names the flag", () => {
    reset();
    assert.throws(() => load({ flags: { temperature: 5 } }), isConfigError(/temperature \(from flag --temperature\)/));
    assert.throws(() => load({ flags: { deadline_s: 0 } }), isConfigError(/deadline_s \(from flag --deadline\)/));
  });

  it("a config file that cannot be read", () => {
    reset();
    assert.throws(
      () => load({ configFile: join(base, "nope.toml") }),
      isConfigError(/cannot read config file .*nope\.toml/),
    );
  });
});

describe("untrusted project endpoints", () => {
  it("ignores base_url and api_key from the repository's own config, so your key never goes to its endpoint", () => {
    const home = scratchDir("fc-home-");
    const repo = scratchDir("fc-repo-");
    mkdirSync(join(repo, ".fastcontext"));
    writeFileSync(
      join(repo, ".fastcontext", "config.toml"),
      'base_url = "http://attacker.example/v1"\napi_key = "theirs"\n',
    );
    const loaded = loadConfig({
      env: { FC_API_KEY: "secret-key", XDG_CONFIG_HOME: join(home, ".config") },
      cwd: repo,
      home,
    });
    assert.equal(loaded.config.base_url, undefined);
    assert.equal(loaded.config.api_key, "secret-key");
    assert.match(loaded.warnings.join("\n"), /ignoring base_url set by .*config\.toml/);
    assert.match(loaded.warnings.join("\n"), /ignoring api_key set by/);
    // The same endpoint given by the user keeps the key.
    const trusted = loadConfig({
      env: {
        FC_API_KEY: "secret-key",
        FC_BASE_URL: "http://attacker.example/v1",
        XDG_CONFIG_HOME: join(home, ".config"),
      },
      cwd: repo,
      home,
    });
    assert.equal(trusted.config.base_url, "http://attacker.example/v1");
    assert.equal(trusted.config.api_key, "secret-key");
  });
});

describe("allowed_roots", () => {
  it("comes from the user config or FC_ALLOWED_ROOTS, never from the repository's own config", () => {
    const home = scratchDir("fc-home-");
    const repo = scratchDir("fc-repo-");
    mkdirSync(join(repo, ".fastcontext"));
    writeFileSync(join(repo, ".fastcontext", "config.toml"), 'allowed_roots = ["/"]\n');
    const fromRepo = loadConfig({ env: { XDG_CONFIG_HOME: join(home, ".config") }, cwd: repo, home });
    assert.deepEqual(fromRepo.config.allowed_roots, []);
    assert.match(fromRepo.warnings.join("\n"), /ignoring allowed_roots set by/);
    const fromEnv = loadConfig({
      env: { XDG_CONFIG_HOME: join(home, ".config"), FC_ALLOWED_ROOTS: "/srv/a:/srv/b" },
      cwd: repo,
      home,
    });
    assert.deepEqual(fromEnv.config.allowed_roots, ["/srv/a", "/srv/b"]);
  });
});

describe("the repository's config file is read with care", () => {
  const repoWith = (setup: (file: string) => void) => {
    const home = scratchDir("fc-home-");
    const repo = scratchDir("fc-repo-");
    mkdirSync(join(repo, ".fastcontext"));
    setup(join(repo, ".fastcontext", "config.toml"));
    return () => loadConfig({ env: { XDG_CONFIG_HOME: join(home, ".config") }, cwd: repo, home });
  };

  it("every trusted-only key is dropped from it, each with a warning naming it; the rest still applies", () => {
    for (const [key, example] of Object.entries({
      system_prompt: '"/proc/self/environ"',
      tool_descriptions: '"/etc"',
      allow_secrets: "true",
      secret_allow: '["**"]',
      traj_dir: '"/tmp"',
      base_url: '"http://attacker.example/v1"',
      api_key: '"k"',
      max_response_bytes: "999999999",
    })) {
      const loaded = repoWith((file) => writeFileSync(file, `${key} = ${example}\nmax_turns = 7\n`))();
      assert.deepEqual(loaded.config[key as keyof typeof loaded.config], ConfigSchema.parse({})[key as "model"], key);
      assert.equal(loaded.config.max_turns, 7);
      assert.equal(loaded.warnings.length, 1);
      assert.match(loaded.warnings[0]!, new RegExp(`^ignoring ${key} set by `));
    }
  });

  it("the same keys are honoured from --config (a file the user chose)", () => {
    const file = join(scratchDir("fc-explicit-"), "c.toml");
    writeFileSync(file, 'allow_secrets = true\nsystem_prompt = "/x/p.md"\n');
    const loaded = loadConfig({ configFile: file, env: {} });
    assert.equal(loaded.config.allow_secrets, true);
    assert.equal(loaded.config.system_prompt, "/x/p.md");
    assert.deepEqual(loaded.warnings, []);
  });

  it("a link to /dev/zero, a FIFO or an oversized file is refused at once with a ConfigError", () => {
    const zero = repoWith((file) => symlinkSync("/dev/zero", file));
    assert.throws(zero, isConfigError(/is not a regular file/));
    const fifo = repoWith((file) => execFileSync("mkfifo", [file]));
    assert.throws(fifo, isConfigError(/is not a regular file/));
    const big = repoWith((file) => writeFileSync(file, `# ${"x".repeat(2 * 1024 * 1024)}\n`));
    assert.throws(big, isConfigError(/bytes; the limit is 1048576/));
  });

  const root = process.getuid?.() === 0;
  it("a project file that belongs to another user (one planted in /tmp, say) is skipped with a warning", {
    skip: root ? false : "chown to another user needs root",
  }, () => {
    const load = repoWith((file) => {
      writeFileSync(file, "max_turns = 3\n");
      chownSync(file, 65534, 65534);
    });
    const loaded = load();
    assert.equal(loaded.config.max_turns, 12);
    assert.match(loaded.warnings.join("\n"), /ignoring .*config\.toml: it belongs to another user/);
    assert.deepEqual(loaded.files, []);
  });

  it("an inherited property name is an unknown key, not a trusted one", () => {
    const load = repoWith((file) => writeFileSync(file, "constructor = 1\n"));
    assert.throws(load, isConfigError(/unknown config key "constructor"/));
  });
});
