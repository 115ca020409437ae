import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  looksLikeToolCallContent,
  normalizeArguments,
  normalizeToolName,
  parseToolCallsFromContent,
} from "../../src/llm/tool-call-parse.js";
import type { JsonSchema } from "../../src/llm/types.js";

const TOOLS = ["Read", "Glob", "Grep"];
const SCHEMAS: Record<string, JsonSchema> = {
  Read: {
    type: "object",
    properties: { path: { type: "string" }, offset: { type: "integer" }, limit: { type: "integer" } },
  },
  Grep: {
    type: "object",
    properties: {
      pattern: { type: "string" },
      path: { type: "string" },
      "-i": { type: "boolean" },
      "-C": { type: "number" },
      head_limit: { type: ["integer", "null"] },
      output_mode: { type: "string", enum: ["content", "files_with_matches", "count"] },
      extra: { type: "object" },
      globs: { type: "array" },
    },
  },
};
const ID = /^call_[0-9a-f]{8}$/;

/** Parse and return the calls as [name, parsed arguments] pairs. */
function calls(content: string, options = { knownTools: TOOLS, schemas: SCHEMAS }) {
  const out = parseToolCallsFromContent(content, options);
  return { ...out, pairs: out.calls.map((c) => [c.name, JSON.parse(c.arguments)] as const) };
}

describe("parseToolCallsFromContent: hermes <tool_call> blocks", () => {
  it("parses one block and gives it an RL-style id", () => {
    const out = calls('<tool_call>\n{"name": "Read", "arguments": {"path": "/repo/a.py"}}\n</tool_call>');
    assert.deepEqual(out.pairs, [["Read", { path: "/repo/a.py" }]]);
    assert.match(out.calls[0]?.id ?? "", ID);
    assert.equal(out.text, "");
    assert.deepEqual(out.malformed, []);
  });

  it("keeps the model's argument string verbatim when it is valid JSON", () => {
    const out = parseToolCallsFromContent(
      '<tool_call>\n{"name": "Read", "arguments": "{\\"path\\": \\"/a\\"}"}\n</tool_call>',
    );
    assert.equal(out.calls[0]?.arguments, '{"path": "/a"}');
  });

  it("parses several blocks in order, with distinct ids, keeping text before and after", () => {
    const content = [
      "I will look around.",
      '<tool_call>\n{"name": "Glob", "arguments": {"pattern": "**/*.py"}}\n</tool_call>',
      '<tool_call>\n{"name": "Grep", "arguments": {"pattern": "def main"}}\n</tool_call>',
      '<tool_call>\n{"name": "Read", "arguments": {"path": "/r/x.py"}}\n</tool_call>',
      "Then I will decide.",
    ].join("\n");
    const out = calls(content);
    assert.deepEqual(
      out.pairs.map(([name]) => name),
      ["Glob", "Grep", "Read"],
    );
    assert.equal(new Set(out.calls.map((c) => c.id)).size, 3);
    assert.equal(out.text, "I will look around.\n\nThen I will decide.");
  });

  it("accepts a last block without its closing tag (generation stopped)", () => {
    const out = calls(
      '<tool_call>\n{"name": "Glob", "arguments": {"pattern": "*.ts"}}\n</tool_call>\n<tool_call>\n{"name": "Read", "arguments": {"path": "/a"}}',
    );
    assert.deepEqual(out.pairs, [
      ["Glob", { pattern: "*.ts" }],
      ["Read", { path: "/a" }],
    ]);
  });

  it("accepts a block whose closing tag is missing before the next block", () => {
    const out = calls(
      '<tool_call>{"name": "Glob", "arguments": {"pattern": "*.ts"}}\n<tool_call>{"name": "Read", "arguments": {"path": "/a"}}</tool_call>',
    );
    assert.deepEqual(
      out.pairs.map(([n]) => n),
      ["Glob", "Read"],
    );
  });

  it("completes a truncated last block by closing its braces", () => {
    const out = calls('<tool_call>\n{"name": "Read", "arguments": {"path": "/a/b.py", "offset": 10');
    assert.deepEqual(out.pairs, [["Read", { path: "/a/b.py", offset: 10 }]]);
  });

  it("accepts a ```json fence inside the block", () => {
    const out = calls('<tool_call>\n```json\n{"name": "Read", "arguments": {"path": "/a"}}\n```\n</tool_call>');
    assert.deepEqual(out.pairs, [["Read", { path: "/a" }]]);
  });

  it("removes a fence that only wrapped tool_call blocks", () => {
    const out = calls(
      'Searching:\n```json\n<tool_call>\n{"name": "Glob", "arguments": {"pattern": "*"}}\n</tool_call>\n<tool_call>\n{"name": "Grep", "arguments": {"pattern": "x"}}\n</tool_call>\n```',
    );
    assert.equal(out.calls.length, 2);
    assert.equal(out.text, "Searching:");
  });

  it("moves <think> blocks before the calls into reasoning", () => {
    const out = calls(
      '<think>\nWhere is main?\n</think>\n\n<tool_call>\n{"name": "Grep", "arguments": {"pattern": "main"}}\n</tool_call>',
    );
    assert.equal(out.reasoning, "Where is main?");
    assert.equal(out.text, "");
    assert.equal(out.calls.length, 1);
  });

  it("accepts the `parameters` alias, a missing arguments field and the {function:{…}} wrapper", () => {
    const out = calls(
      [
        '<tool_call>{"name": "Read", "parameters": {"path": "/p"}}</tool_call>',
        '<tool_call>{"name": "Glob"}</tool_call>',
        '<tool_call>{"type": "function", "function": {"name": "Grep", "arguments": {"pattern": "q"}}}</tool_call>',
      ].join("\n"),
    );
    assert.deepEqual(out.pairs, [
      ["Read", { path: "/p" }],
      ["Glob", {}],
      ["Grep", { pattern: "q" }],
    ]);
  });

  it("splits two JSON objects crammed into one block, and a JSON array of calls", () => {
    const out = calls(
      '<tool_call>\n{"name": "Read", "arguments": {"path": "/a"}}\n{"name": "Read", "arguments": {"path": "/b"}}\n</tool_call>\n<tool_call>[{"name": "Glob", "arguments": {"pattern": "x"}}, {"name": "Glob", "arguments": {"pattern": "y"}}]</tool_call>',
    );
    assert.deepEqual(out.pairs, [
      ["Read", { path: "/a" }],
      ["Read", { path: "/b" }],
      ["Glob", { pattern: "x" }],
      ["Glob", { pattern: "y" }],
    ]);
  });

  it("maps case and `functions.` prefix onto the offered tool names", () => {
    const out = calls(
      '<tool_call>{"name": "read", "arguments": {"path": "/a"}}</tool_call><tool_call>{"name": "functions.Grep", "arguments": {"pattern": "a"}}</tool_call>',
    );
    assert.deepEqual(
      out.pairs.map(([n]) => n),
      ["Read", "Grep"],
    );
  });

  it("keeps an unknown tool name as written (the loop answers `not found`)", () => {
    const out = calls('<tool_call>{"name": "Bash", "arguments": {"cmd": "ls"}}</tool_call>');
    assert.deepEqual(out.pairs, [["Bash", { cmd: "ls" }]]);
  });
});

describe("parseToolCallsFromContent: JSON repair", () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ["trailing commas", '{"name": "Grep", "arguments": {"pattern": "a", "-i": true,},}', { pattern: "a", "-i": true }],
    ["single quotes", "{'name': 'Grep', 'arguments': {'pattern': 'it\\'s'}}", { pattern: "it's" }],
    [
      "an apostrophe inside a single-quoted string",
      "{'name': 'Grep', 'arguments': {'pattern': 'don't'}}",
      { pattern: "don't" },
    ],
    ["a raw newline inside a string", '{"name": "Grep", "arguments": {"pattern": "a\nb"}}', { pattern: "a\nb" }],
    ["a missing closing brace", '{"name": "Grep", "arguments": {"pattern": "a"}', { pattern: "a" }],
    [
      "Python literals",
      '{"name": "Grep", "arguments": {"pattern": "a", "-i": True, "multiline": False, "glob": None}}',
      { pattern: "a", "-i": true, multiline: false, glob: null },
    ],
    [
      "regex backslashes that are not JSON escapes",
      '{"name": "Grep", "arguments": {"pattern": "def\\s+main\\(\\)"}}',
      { pattern: "def\\s+main\\(\\)" },
    ],
    [
      "unescaped quotes inside a string",
      '{"name": "Grep", "arguments": {"pattern": "say "hi" now"}}',
      { pattern: 'say "hi" now' },
    ],
    ["unquoted keys", '{name: "Grep", arguments: {pattern: "x"}}', { pattern: "x" }],
    ["an extra closing brace", '{"name": "Grep", "arguments": {"pattern": "x"}}}', { pattern: "x" }],
  ];
  for (const [label, json, expected] of cases) {
    it(`repairs ${label}`, () => {
      const out = calls(`<tool_call>\n${json}\n</tool_call>`);
      assert.deepEqual(out.malformed, []);
      assert.deepEqual(out.pairs, [["Grep", expected]]);
    });
  }

  it("re-serializes repaired argument strings so they parse", () => {
    const out = parseToolCallsFromContent(`<tool_call>{"name": "Grep", "arguments": "{'pattern': 'x',}"}</tool_call>`);
    assert.equal(out.calls[0]?.arguments, '{"pattern":"x"}');
  });
});

describe("parseToolCallsFromContent: Qwen3-Coder XML", () => {
  const xml = [
    "<tool_call>",
    "<function=Grep>",
    "<parameter=pattern>",
    "class\\s+Foo",
    "</parameter>",
    "<parameter=-i>",
    "true",
    "</parameter>",
    "<parameter=-C>",
    "2.5",
    "</parameter>",
    "<parameter=head_limit>",
    "50",
    "</parameter>",
    "<parameter=extra>",
    '{"a": 1}',
    "</parameter>",
    "<parameter=globs>",
    '["*.py", "*.pyi"]',
    "</parameter>",
    "</function>",
    "</tool_call>",
  ].join("\n");

  it("types values from the tool's schema", () => {
    const out = calls(xml);
    assert.deepEqual(out.pairs, [
      [
        "Grep",
        { pattern: "class\\s+Foo", "-i": true, "-C": 2.5, head_limit: 50, extra: { a: 1 }, globs: ["*.py", "*.pyi"] },
      ],
    ]);
  });

  it("keeps every value a string without a schema", () => {
    const out = calls(xml, { knownTools: TOOLS, schemas: {} });
    assert.deepEqual(out.pairs[0]?.[1], {
      pattern: "class\\s+Foo",
      "-i": "true",
      "-C": "2.5",
      head_limit: "50",
      extra: '{"a": 1}',
      globs: '["*.py", "*.pyi"]',
    });
  });

  it("leaves a value that does not fit its type as a string", () => {
    const out = calls(
      "<function=Read>\n<parameter=path>\n/a\n</parameter>\n<parameter=offset>\nten\n</parameter>\n</function>",
    );
    assert.deepEqual(out.pairs, [["Read", { path: "/a", offset: "ten" }]]);
  });

  it("parses the form without the outer tool_call tag, several functions, multi-line values", () => {
    const out = calls(
      "Looking.\n<function=Read>\n<parameter=path>\n/a.py\n</parameter>\n</function>\n<function=Grep>\n<parameter=pattern>\nline one\nline two\n</parameter>\n</function>",
    );
    assert.deepEqual(out.pairs, [
      ["Read", { path: "/a.py" }],
      ["Grep", { pattern: "line one\nline two" }],
    ]);
    assert.equal(out.text, "Looking.");
  });

  it("accepts unclosed parameter and function tags at the end", () => {
    const out = calls("<tool_call>\n<function=Read>\n<parameter=path>\n/a.py\n<parameter=limit>\n20");
    assert.deepEqual(out.pairs, [["Read", { path: "/a.py", limit: 20 }]]);
  });

  it("accepts a JSON object inside the function tag", () => {
    const out = calls('<tool_call><function=Read>{"path": "/x"}</function></tool_call>');
    assert.deepEqual(out.pairs, [["Read", { path: "/x" }]]);
  });

  it("reports a function without a name as malformed", () => {
    const out = calls("<tool_call><function=>\n<parameter=path>/x</parameter></function></tool_call>");
    assert.equal(out.calls.length, 0);
    assert.equal(out.malformed.length, 1);
    assert.match(out.malformed[0]?.error ?? "", /without a tool name/);
  });
});

describe("parseToolCallsFromContent: fenced JSON without tags", () => {
  it("parses a ```json fence holding a call to an offered tool", () => {
    const out = calls('Let me read it.\n```json\n{"name": "Read", "arguments": {"path": "/a"}}\n```');
    assert.deepEqual(out.pairs, [["Read", { path: "/a" }]]);
    assert.equal(out.text, "Let me read it.");
  });

  it("parses a fence holding an array of calls", () => {
    const out = calls(
      '```\n[{"name": "Read", "arguments": {"path": "/a"}}, {"name": "Glob", "arguments": {"pattern": "*"}}]\n```',
    );
    assert.equal(out.calls.length, 2);
  });

  it("leaves fenced JSON that is not a call to an offered tool as text", () => {
    const content = 'Example config:\n```json\n{"name": "my-app", "arguments": []}\n```';
    const out = calls(content);
    assert.equal(out.calls.length, 0);
    assert.equal(out.text, content);
  });

  it("leaves ordinary code fences alone", () => {
    const content = "Here:\n```py\nprint('hi')\n```";
    assert.equal(calls(content).text, content);
  });
});

describe("parseToolCallsFromContent: leaked gpt-oss harmony", () => {
  it("parses commentary calls with <|start|>assistant, analysis as reasoning, final as text", () => {
    const content =
      "<|channel|>analysis<|message|>Need to find the parser.<|end|>" +
      '<|start|>assistant<|channel|>commentary to=functions.Grep <|constrain|>json<|message|>{"pattern": "parse"}<|call|>' +
      '<|start|>assistant<|channel|>commentary to=functions.Read <|constrain|>json<|message|>{"path": "/a.py"}<|call|>';
    const out = calls(content);
    assert.deepEqual(out.pairs, [
      ["Grep", { pattern: "parse" }],
      ["Read", { path: "/a.py" }],
    ]);
    assert.equal(out.reasoning, "Need to find the parser.");
    assert.equal(out.text, "");
  });

  it("parses the variant without <|start|>assistant and a bare `to=Name`", () => {
    const out = calls('<|channel|>commentary to=Glob <|constrain|>json<|message|>{"pattern": "**/*.rs"}<|call|>');
    assert.deepEqual(out.pairs, [["Glob", { pattern: "**/*.rs" }]]);
  });

  it("parses a leaked role word before the channel token and a recipient in the role part", () => {
    const out = calls('assistant to=functions.Read<|channel|>commentary json<|message|>{"path": "/b"}<|call|>');
    assert.deepEqual(out.pairs, [["Read", { path: "/b" }]]);
  });

  it("uses the final channel's text as content", () => {
    const out = calls(
      "<|channel|>analysis<|message|>done<|end|><|start|>assistant<|channel|>final<|message|><final_answer>\n/a.py:1-3\n</final_answer><|return|>",
    );
    assert.equal(out.calls.length, 0);
    assert.equal(out.text, "<final_answer>\n/a.py:1-3\n</final_answer>");
    assert.equal(out.reasoning, "done");
  });

  it("reports unparseable harmony arguments as malformed with the tool name", () => {
    const out = calls("<|channel|>commentary to=functions.Grep <|constrain|>json<|message|>pattern is foo<|call|>");
    assert.equal(out.calls.length, 0);
    assert.equal(out.malformed[0]?.name, "Grep");
    assert.match(out.malformed[0]?.raw ?? "", /pattern is foo/);
  });

  it("accepts an unterminated last call", () => {
    const out = calls('<|channel|>commentary to=functions.Read <|constrain|>json<|message|>{"path": "/c"}');
    assert.deepEqual(out.pairs, [["Read", { path: "/c" }]]);
  });
});

describe("parseToolCallsFromContent: malformed input", () => {
  it("turns an unrepairable block into a malformed entry with raw text, error, id and name", () => {
    const raw = '<tool_call>\n{"name": "Grep", "arguments": {"pattern": @@@ )))}}\n</tool_call>';
    const out = calls(`before\n${raw}`);
    assert.equal(out.calls.length, 0);
    assert.equal(out.malformed.length, 1);
    const bad = out.malformed[0];
    assert.equal(bad?.raw, raw);
    assert.equal(bad?.name, "Grep");
    assert.match(bad?.id ?? "", ID);
    assert.match(bad?.error ?? "", /not valid JSON/);
    assert.equal(out.text, "before");
  });

  it("keeps the good calls around a bad one, in order", () => {
    const out = calls(
      '<tool_call>{"name": "Read", "arguments": {"path": "/a"}}</tool_call><tool_call>nothing here</tool_call><tool_call>{"name": "Read", "arguments": {"path": "/b"}}</tool_call>',
    );
    assert.deepEqual(out.pairs, [
      ["Read", { path: "/a" }],
      ["Read", { path: "/b" }],
    ]);
    assert.match(out.malformed[0]?.error ?? "", /no JSON object/);
  });

  it("reports empty blocks, nameless calls and non-object arguments", () => {
    const out = calls(
      '<tool_call></tool_call><tool_call>{"arguments": {}}</tool_call><tool_call>{"name": "Read", "arguments": [1, 2]}</tool_call><tool_call>{"name": "Read", "arguments": "not json at all"}</tool_call>',
    );
    assert.equal(out.calls.length, 0);
    assert.deepEqual(
      out.malformed.map((m) => m.error.replace(/ \(.*/, "")),
      [
        "the <tool_call> block is empty",
        "the tool call has no name",
        "arguments must be a JSON object",
        "arguments are not valid JSON",
      ],
    );
  });

  it("never throws on hostile input", () => {
    const samples = [
      "<tool_call>",
      "</tool_call>",
      "<tool_call>{",
      '<tool_call>{"name":',
      "<function=",
      "<|channel|>",
      "<|message|><|call|>",
      "```json\n{\n```",
      "{{{{[[[[",
      "<think>",
      "</think></think><think>",
    ];
    for (const sample of samples) {
      for (const text of [sample, sample.repeat(3), `x${sample}y`]) {
        const out = parseToolCallsFromContent(text, { knownTools: TOOLS, schemas: SCHEMAS });
        for (const call of out.calls) assert.doesNotThrow(() => JSON.parse(call.arguments), text);
      }
    }
  });

  it("stays near-linear on long hostile input (each was quadratic: 3-13 s before)", () => {
    const samples = [
      `<function=f>\n${Array.from({ length: 5000 }, (_, i) => `<parameter=p${i}>\n${i}\n`).join("")}`,
      "<tool_call>".repeat(20000),
      `<tool_call>${"{".repeat(50000)}`,
    ];
    for (const text of samples) {
      const started = performance.now();
      parseToolCallsFromContent(text, { knownTools: ["f"] });
      const ms = performance.now() - started;
      assert.ok(ms < 3000, `${text.slice(0, 30)}… took ${Math.round(ms)} ms`);
    }
  });

  it("returns plain content untouched", () => {
    const out = parseToolCallsFromContent("<final_answer>\n/a.py:1-2\n</final_answer>");
    assert.deepEqual(out, {
      calls: [],
      malformed: [],
      text: "<final_answer>\n/a.py:1-2\n</final_answer>",
      reasoning: "",
    });
  });
});

describe("helpers", () => {
  it("looksLikeToolCallContent spots every form and ignores plain text", () => {
    assert.equal(looksLikeToolCallContent("<tool_call>{}"), true);
    assert.equal(looksLikeToolCallContent("<function=Read>"), true);
    assert.equal(looksLikeToolCallContent("<|channel|>final<|message|>x"), true);
    assert.equal(looksLikeToolCallContent('```json\n{"name": "Read", "arguments": {}}\n```'), true);
    assert.equal(looksLikeToolCallContent("<final_answer>\n/a:1\n</final_answer>"), false);
  });

  it("normalizeArguments keeps valid object text, fills empty with {}, refuses non-objects", () => {
    assert.deepEqual(normalizeArguments('{"a": 1}'), { ok: true, json: '{"a": 1}' });
    assert.deepEqual(normalizeArguments(""), { ok: true, json: "{}" });
    assert.deepEqual(normalizeArguments({ a: 1 }), { ok: true, json: '{"a":1}' });
    assert.equal(normalizeArguments("[1]").ok, false);
    assert.equal(normalizeArguments("42").ok, false);
  });

  it("normalizeToolName resolves only unambiguous names", () => {
    assert.equal(normalizeToolName("GREP", TOOLS), "Grep");
    assert.equal(normalizeToolName("functions.read", TOOLS), "Read");
    assert.equal(normalizeToolName("grep", ["grep", "Grep"]), "grep");
    assert.equal(normalizeToolName("GREP", ["grep", "Grep"]), "GREP");
    assert.equal(normalizeToolName(" Read ", undefined), "Read");
  });
});

describe("parseToolCallsFromContent: issue 17 failure classes", () => {
  const WRITE = {
    knownTools: ["Write", "Read"],
    schemas: {
      Write: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } } },
      Read: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
    } as Record<string, JsonSchema>,
  };
  const write = (content: string) =>
    `<tool_call>\n<function=Write>\n<parameter=path>\n/t.py\n</parameter>\n<parameter=content>\n${content}\n</parameter>\n</function>\n</tool_call>`;

  it("keeps a literal </parameter> and <parameter=…> inside a value, inventing no parameter", () => {
    const value = 'X = """\n</parameter>\n<parameter=old>\nx\n</parameter>\n"""';
    const out = calls(write(value), WRITE);
    assert.deepEqual(out.pairs, [["Write", { path: "/t.py", content: value }]]);
  });

  it("never turns a <tool_call> block inside a value into a second call", () => {
    const value =
      "<tool_call>\n<function=Read>\n<parameter=path>\n/etc/passwd\n</parameter>\n</function>\n</tool_call>";
    const out = calls(`${write(value)}\nDone.`, WRITE);
    assert.deepEqual(out.pairs, [["Write", { path: "/t.py", content: value }]]);
    assert.equal(out.text, "Done.");
  });

  it("keeps the order when the first call lacks its <tool_call>, and drops its stray close", () => {
    const out = calls(
      "Reading.\n<function=Read>\n<parameter=path>\n/a\n</parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=Read>\n<parameter=path>\n/b\n</parameter>\n</function>\n</tool_call>",
      WRITE,
    );
    assert.deepEqual(out.pairs, [
      ["Read", { path: "/a" }],
      ["Read", { path: "/b" }],
    ]);
    assert.equal(out.text, "Reading.");
  });

  it("keeps a literal </function> inside a value when more of the value follows it", () => {
    const value = 'end = "</function>"\nprint(end)';
    const out = calls(`${write(value)}\nThanks.`, WRITE);
    assert.deepEqual(out.pairs, [["Write", { path: "/t.py", content: value }]]);
    const unclosed = calls("<function=Read>\n<parameter=path>\n/a\n</function>\nThanks.", WRITE);
    assert.deepEqual(unclosed.pairs, [["Read", { path: "/a" }]]);
    assert.equal(unclosed.text, "Thanks.");
  });

  it("cuts a drifted close marker from an unclosed value only", () => {
    const drifted = calls("<function=Read>\n<parameter=path>\n/a\n</parameter_x>\n</function>", WRITE);
    assert.deepEqual(drifted.pairs, [["Read", { path: "/a" }]]);
    const closed = calls("<function=Read>\n<parameter=path>\n/a </parameters>\n</parameter>\n</function>", WRITE);
    assert.deepEqual(closed.pairs, [["Read", { path: "/a </parameters>" }]]);
  });

  it("types null/None, floats, Python dicts, quoted dicts and nested anyOf", () => {
    const schemas: Record<string, JsonSchema> = {
      T: {
        type: "object",
        properties: {
          n: { anyOf: [{ type: "integer" }, { type: "null" }] },
          f: { type: "float" },
          d: { type: "object" },
          q: { type: "object" },
          a: { anyOf: [{ anyOf: [{ type: "array" }] }, { type: "null" }] },
          s: { anyOf: [{ type: "string" }, { type: "integer" }] },
        },
      },
    };
    const out = calls(
      "<function=T>\n<parameter=n>\nNone\n</parameter>\n<parameter=f>\n2.5\n</parameter>\n<parameter=d>\n{'k': True}\n</parameter>\n<parameter=q>\n\"{'k': 1}\"\n</parameter>\n<parameter=a>\n[1, 2]\n</parameter>\n<parameter=s>\n42\n</parameter>\n</function>",
      { knownTools: ["T"], schemas },
    );
    assert.deepEqual(out.pairs, [["T", { n: null, f: 2.5, d: { k: true }, q: { k: 1 }, a: [1, 2], s: "42" }]]);
  });

  it("types by the aliases hand-written schemas use (int, num, bool, dict, list)", () => {
    const schemas: Record<string, JsonSchema> = {
      T: {
        type: "object",
        properties: {
          i: { type: "int" },
          n: { type: "num" },
          b: { type: "bool" },
          d: { type: "dict" },
          l: { type: "list" },
        },
      },
    };
    const out = calls(
      "<function=T>\n<parameter=i>\n7\n</parameter>\n<parameter=n>\n.5\n</parameter>\n<parameter=b>\nFalse\n</parameter>\n<parameter=d>\n{}\n</parameter>\n<parameter=l>\n[1]\n</parameter>\n</function>",
      { knownTools: ["T"], schemas },
    );
    assert.deepEqual(out.pairs, [["T", { i: 7, n: 0.5, b: false, d: {}, l: [1] }]]);
  });

  it("reports a template placeholder name instead of calling it", () => {
    const out = calls('<tool_call>{"name": "{{ tool.name }}", "arguments": {}}</tool_call>', WRITE);
    assert.equal(out.calls.length, 0);
    assert.match(out.malformed[0]?.error ?? "", /not a tool name/);
  });

  it("reads llama.cpp's hermes variants, and bare JSON only for an offered tool with fitting arguments", () => {
    for (const text of [
      '<function name="Read">{"path": "/a"}</function>',
      '<tools>{"name": "Read", "arguments": {"path": "/a"}}</tools>',
      '<response>\n{"name": "Read", "arguments": {"path": "/a"}}\n</response>',
      '```json\n<function_call> {"name": "Read", "arguments": {"path": "/a"}} </function_call>\n```',
      '{"name": "Read", "arguments": {"path": "/a"}}',
    ]) {
      assert.deepEqual(calls(text, WRITE).pairs, [["Read", { path: "/a" }]], text);
    }
    for (const text of [
      '{"name": "Read", "arguments": {"file": "/a"}}',
      '{"name": "Delete", "arguments": {"path": "/a"}}',
      'Example:\n{"name": "Read", "arguments": {"path": "/a"}}',
    ]) {
      const out = calls(text, WRITE);
      assert.equal(out.calls.length + out.malformed.length, 0, text);
      assert.equal(out.text, text);
    }
  });

  it("never reads a <tool_call> inside a JSON string as another call", () => {
    const out = calls(
      '<tool_call>{"name": "Write", "arguments": {"path": "/n", "content": "<tool_call>{\\"name\\": \\"Read\\"}</tool_call>"}}</tool_call>',
      WRITE,
    );
    assert.deepEqual(out.pairs, [["Write", { path: "/n", content: '<tool_call>{"name": "Read"}</tool_call>' }]]);
  });
});

describe("parseToolCallsFromContent: harmony headers", () => {
  it("reads a recipient glued to <|constrain|>, or at the very start, or before <|constrain|> alone", () => {
    for (const text of [
      '<|start|>assistant<|channel|>commentary to=functions.Read<|constrain|>json<|message|>{"path": "/a"}<|call|>',
      ' to=functions.Read<|channel|>analysis<|message|>{"path": "/a"}',
      ' to=functions.Read <|constrain|>json<|message|>{"path": "/a"}<|call|>',
      'commentary to=functions.Read <|constrain|>json<|message|>{"path": "/a"}<|call|>',
    ]) {
      assert.deepEqual(calls(text).pairs, [["Read", { path: "/a" }]], text);
    }
  });

  it("treats to=assistant as no call and keeps the answer after a stray header", () => {
    const out = calls("<|channel|>commentary to=assistant<|channel|>final<|message|>The parser is in src/a.ts.<|end|>");
    assert.equal(out.calls.length + out.malformed.length, 0);
    assert.equal(out.text, "The parser is in src/a.ts.");
  });

  it("reports a header cut off before <|message|> and one naming two recipients, running neither", () => {
    const cut = calls(
      "<|channel|>analysis<|message|>x<|end|><|start|>assistant to=functions.Read<|channel|>commentary json",
    );
    assert.equal(cut.calls.length, 0);
    assert.match(cut.malformed[0]?.error ?? "", /cut off/);
    const twice = calls("<|channel|>commentary to=functions.Read to=functions.Grep<|message|>{}<|call|>");
    assert.equal(twice.calls.length, 0);
    assert.match(twice.malformed[0]?.error ?? "", /more than one recipient/);
  });
});
