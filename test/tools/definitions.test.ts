/**
 * The exact `tools` array sent to a model. Names, parameter names, types and property order are
 * protocol (the Qwen chat template serializes the schema into the prompt), and every sentence of a
 * description is a contract the runtime must keep; any change must show up in review.
 * Update the snapshot with: UPDATE_SNAPSHOTS=1 node --import tsx --test test/tools/definitions.test.ts
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULT_TOOL_CONFIG } from "../../src/tools/context.js";
import { ASSETS_DIR, TOOL_NAMES, toolDefinitions } from "../../src/tools/definitions.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";

const SNAPSHOT = join(dirname(fileURLToPath(import.meta.url)), "__snapshots__", "tool-definitions.json");

describe("tool definitions", () => {
  it("match the committed snapshot exactly", () => {
    const actual = `${JSON.stringify(toolDefinitions(), null, 2)}\n`;
    if (process.env.UPDATE_SNAPSHOTS === "1") {
      mkdirSync(dirname(SNAPSHOT), { recursive: true });
      writeFileSync(SNAPSHOT, actual);
      return;
    }
    assert.ok(
      existsSync(SNAPSHOT),
      `no snapshot at ${SNAPSHOT}; create it with UPDATE_SNAPSHOTS=1 node --import tsx --test test/tools/definitions.test.ts`,
    );
    assert.equal(
      actual,
      readFileSync(SNAPSHOT, "utf8"),
      "The tool definitions sent to the model changed. If this is intended, review the diff and update the snapshot with: UPDATE_SNAPSHOTS=1 node --import tsx --test test/tools/definitions.test.ts",
    );
  });

  it("keep the trained names, parameter names, types and order, with no extra schema keys", () => {
    const defs = toolDefinitions();
    assert.deepEqual(
      defs.map((d) => d.function.name),
      ["Read", "Glob", "Grep"],
    );
    assert.deepEqual(TOOL_NAMES, ["Read", "Glob", "Grep"]);
    const shape = defs.map((d) => [
      d.type,
      Object.keys(d.function),
      Object.keys(d.function.parameters),
      Object.entries(d.function.parameters.properties).map(([k, v]) => `${k}:${v.type}`),
      d.function.parameters.required,
    ]);
    assert.deepEqual(shape, [
      [
        "function",
        ["name", "description", "parameters"],
        ["type", "properties", "required"],
        ["path:string", "offset:integer", "limit:integer"],
        ["path"],
      ],
      [
        "function",
        ["name", "description", "parameters"],
        ["type", "properties", "required"],
        ["directory:string", "pattern:string"],
        ["pattern"],
      ],
      [
        "function",
        ["name", "description", "parameters"],
        ["type", "properties", "required"],
        [
          "pattern:string",
          "path:string",
          "glob:string",
          "output_mode:string",
          "-B:number",
          "-A:number",
          "-C:number",
          "-n:boolean",
          "-i:boolean",
          "type:string",
          "head_limit:number",
          "multiline:boolean",
        ],
        ["pattern"],
      ],
    ]);
    assert.deepEqual(defs[2]!.function.parameters.properties.output_mode!.enum, [
      "content",
      "files_with_matches",
      "count",
    ]);
    assert.equal(defs[2]!.function.parameters.properties.head_limit!.minimum, 0);
    assert.equal(defs[0]!.function.parameters.properties.path!.description, "The absolute path of the file to read.");
    assert.equal(
      defs[1]!.function.parameters.properties.pattern!.description,
      "The glob pattern to match files or directories.",
    );
  });

  it("use the description files as they are, without the final newline", () => {
    const defs = toolDefinitions();
    for (const [i, file] of ["read.md", "glob.md", "grep.md"].entries()) {
      assert.equal(
        defs[i]!.function.description,
        readFileSync(join(ASSETS_DIR, "prompts", file), "utf8").replace(/\r?\n$/, ""),
      );
      assert.ok(!defs[i]!.function.description.endsWith("\n"));
    }
  });

  it("promise only what the runtime does (caps and defaults quoted in the texts)", () => {
    const [read, , grep] = toolDefinitions();
    assert.equal(DEFAULT_TOOL_CONFIG.maxLineChars, 500);
    assert.equal(DEFAULT_TOOL_CONFIG.readMaxLines, 2000);
    assert.equal(DEFAULT_TOOL_CONFIG.grepDefaultLimit, 1000);
    assert.match(
      read!.function.description,
      /Lines longer than 500 characters are cut to 500 characters and end with "\.\.\."/,
    );
    assert.match(read!.function.description, /At most 2000 lines are returned per call/);
    assert.match(read!.function.description, /"File is empty\."/);
    assert.match(grep!.function.description, /capped at the first 1000 lines by default \(or head_limit\)/);
    assert.match(grep!.function.description, /"content" \(the default\)/);
    assert.match(grep!.function.parameters.properties.head_limit!.description, /capped at the first 1000 lines\.$/);
    assert.match(grep!.function.parameters.properties.output_mode!.description, /Defaults to "content"\.$/);
    assert.match(grep!.function.parameters.properties["-n"]!.description, /Defaults to true\.$/);
    assert.match(
      toolDefinitions({ grepDefaultLimit: 250 })[2]!.function.parameters.properties.head_limit!.description,
      /first 250 lines\.$/,
    );
  });

  it("are what a Toolbox sends, with replacement descriptions when configured", async () => {
    await using repo = await tmpRepo({ files: { "read.md": "R\n", "glob.md": "G", "grep.md": "S\r\n" } });
    const ws = Workspace.openSync(repo.root);
    assert.deepEqual(new Toolbox(ws).definitions(), toolDefinitions());
    const custom = new Toolbox(ws, { descriptionsDir: repo.root }).definitions();
    assert.deepEqual(
      custom.map((d) => d.function.description),
      ["R", "G", "S"],
    );
  });
});
