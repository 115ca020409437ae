/**
 * Regenerates docs/tui-capture.txt, docs/tui-capture.svg (and .png with rsvg-convert): runs `fastcontext --tui` in a detached
 * tmux session (110×36) against the fake model server, exactly like test/tui/tmux.test.ts, and
 * writes the screen mid-run and at the end.
 *
 *   node --import tsx test/tui/support/capture-docs.ts
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeOpenAI } from "../../support/fake-openai-server.js";
import { populate } from "../../support/tmp-repo.js";
import { ansiToSvg } from "./ansi-svg.js";
import { DEMO_FILES, QUESTION, scriptRun } from "./scripted-run.js";
import { shellQuote, startTmux, tmuxAvailable } from "./tmux.js";

const BIN = fileURLToPath(new URL("../../../bin/fastcontext.js", import.meta.url));
const DOCS = fileURLToPath(new URL("../../../docs/", import.meta.url));
const WIDTH = 110;

if (!tmuxAvailable()) {
  process.stderr.write("tmux is not installed\n");
  process.exit(1);
}
const base = realpathSync(mkdtempSync(join(tmpdir(), "fc-capture-")));
const root = join(base, "demo");
populate(root, { files: DEMO_FILES });
const server = await startFakeOpenAI();
scriptRun(server, root, { slowTurnMs: 3800 });
const command = `cd ${shellQuote(root)} && node ${shellQuote(BIN)} --tui --base-url ${shellQuote(server.url)} -q ${shellQuote(QUESTION)}`;
const tmux = startTmux(command, {
  width: WIDTH,
  height: 36,
  env: { XDG_CONFIG_HOME: join(base, "c"), XDG_STATE_HOME: join(base, "s"), FC_LOG_LEVEL: "warn" },
  unset: ["CI", "FC_BASE_URL", "FC_MODEL", "FC_CONFIG", "NO_COLOR"],
});
try {
  const mid = await tmux.waitFor((s) => /waiting on the model for 2 s/.test(s), 30_000);
  const end = await tmux.waitFor((s) => /\[exit \d+\]/.test(s), 60_000);
  const colored = tmux.capture(200, true);
  const shown = (s: string) =>
    s
      .split(root)
      .join("/work/demo")
      .split("\n")
      .filter((l, i, all) => !(l === "" && all[i - 1] === ""))
      .join("\n");
  const text = [
    "# fastcontext --tui, as captured from a 110×36 tmux pane (tmux capture-pane -p)",
    "# Regenerate: node --import tsx test/tui/support/capture-docs.ts (the fake model server plays a 3-turn run).",
    `# Command: fastcontext --tui --base-url <fake server> -q "${QUESTION}"`,
    "",
    "## Mid-run (turn 2 is waiting on the model)",
    "",
    shown(mid),
    "",
    "## At the end (the view's last frame on stderr, then the answer block on stdout)",
    "",
    shown(end),
    "",
  ].join("\n");
  writeFileSync(join(DOCS, "tui-capture.txt"), text);
  writeFileSync(join(DOCS, "tui-capture.svg"), ansiToSvg(shown(colored), WIDTH, "fastcontext --tui (tmux capture)"));
  // A PNG beside it when librsvg is installed (GitHub and most viewers show the SVG anyway).
  if (spawnSync("rsvg-convert", [join(DOCS, "tui-capture.svg"), "-o", join(DOCS, "tui-capture.png")]).status !== 0)
    process.stderr.write("rsvg-convert missing: no PNG written\n");
  process.stdout.write(text);
} finally {
  tmux.kill();
  await server.close();
  rmSync(base, { recursive: true, force: true });
}
