/**
 * Drives the CLI end to end: in-process through `main()` (stdout and stderr captured, environment
 * isolated from the developer's FC_* variables and config files) or as a real process
 * (`node bin/fastcontext.js`). Also the small repository every e2e test explores.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, afterEach, before, beforeEach } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/surfaces/cli/main.js";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "fastcontext.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  signal?: NodeJS.Signals | null;
}

/** Variables that would leak the developer's configuration into a test. */
const LEAKY = /^(FC_.*|MODEL|BASE_URL|API_KEY|XDG_CONFIG_HOME|XDG_STATE_HOME|XDG_CACHE_HOME)$/;

let isolated: string | undefined;
/** One empty directory per test process for XDG config/state (no user config unless a test writes one). */
export function isolatedHome(): string {
  isolated ??= realpathSync(mkdtempSync(join(tmpdir(), "fc-home-")));
  return isolated;
}
process.on("exit", () => {
  if (isolated) rmSync(isolated, { recursive: true, force: true });
});

/** The environment a CLI run sees: the current one minus FC_* and friends, plus `extra`. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!LEAKY.test(k)) env[k] = v;
  env.XDG_CONFIG_HOME = join(isolatedHome(), "config");
  env.XDG_STATE_HOME = join(isolatedHome(), "state");
  env.XDG_CACHE_HOME = join(isolatedHome(), "cache");
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * Run `main(args)` in this process with stdout/stderr captured. Calls must not overlap (tests in a
 * file run one after another by default).
 */
export async function runMain(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliRun> {
  const savedEnv = process.env;
  const savedCwd = process.cwd();
  const out = process.stdout.write;
  const err = process.stderr.write;
  let stdout = "";
  let stderr = "";
  process.env = cleanEnv(options.env);
  if (options.cwd) process.chdir(options.cwd);
  // Replaced for the duration of the run only. The CLI writes strings; the test runner's child
  // protocol writes serialized Buffers to the same stdout, which must pass through untouched.
  // The casts keep Node's overloaded write signature.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== "string") return (out as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== "string") return (err as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  const t0 = performance.now();
  try {
    const code = await main(args);
    return { code, stdout, stderr, ms: performance.now() - t0 };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.env = savedEnv;
    if (options.cwd) process.chdir(savedCwd);
  }
}

/** Run the real binary. `onSpawn` gets the child (e.g. to send SIGINT). */
export function spawnCli(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    timeoutMs?: number;
    onSpawn?: (child: ChildProcess) => void;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cleanEnv(options.env),
      cwd: options.cwd ?? ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr, ms: performance.now() - t0 });
    });
    options.onSpawn?.(child);
  });
}

/** Wait until `predicate` holds (polling), or fail after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const numbered = (n: number, line: (i: number) => string) =>
  `${Array.from({ length: n }, (_, i) => line(i + 1)).join("\n")}\n`;

/** A small Python project: models (User at 10-20), views, utils, tests, a big file for caps. */
export async function demoRepo(): Promise<TmpRepo> {
  const models = numbered(60, (i) =>
    i === 10 ? "class User:" : i > 10 && i <= 20 ? `    field_${i} = ${i}` : `# models line ${i}`,
  );
  const views = numbered(40, (i) =>
    i === 5 ? "def show_user(request):" : i > 5 && i <= 12 ? `    step_${i}()` : `# views line ${i}`,
  );
  const utils = numbered(30, (i) => (i === 3 ? "def slugify(text):" : `# utils line ${i}`));
  return tmpRepo({
    git: true,
    commit: true,
    prefix: "fc-e2e-",
    files: {
      "src/app/models.py": models,
      "src/app/views.py": views,
      "src/app/utils.py": utils,
      "tests/test_models.py": numbered(20, (i) => (i === 2 ? "from app.models import User" : `# test line ${i}`)),
      "README.md": "# demo\n",
      "data/big.txt": numbered(4000, (i) => `filler line ${i} with some words to fill the token budget quickly`),
    },
  });
}

/**
 * The fixture every scripted exploration uses: the demo repository for the file (made once) and a
 * fresh fake server for each test (closed after it). Read `env.repo` / `env.server` inside tests.
 */
export function useDemoRepoAndServer(): {
  readonly repo: TmpRepo;
  readonly server: FakeOpenAI;
  path(rel: string): string;
} {
  let repo: TmpRepo | undefined;
  let server: FakeOpenAI | undefined;
  before(async () => {
    repo = await demoRepo();
  });
  after(() => repo?.cleanup());
  beforeEach(async () => {
    server = await startFakeOpenAI({ models: [{ id: "fastcontext-4b", max_model_len: 32768 }] });
  });
  afterEach(async () => {
    await server?.close();
  });
  return {
    get repo() {
      return repo!;
    },
    get server() {
      return server!;
    },
    path: (rel) => `${repo!.root}/${rel}`,
  };
}
