import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { analyzeQuery, type QueryAnalysis, type Term } from "../../src/analysis/query.js";

const fixture = (name: string) => analyzeQuery(readFileSync(new URL(`./fixtures/${name}.md`, import.meta.url), "utf8"));
const texts = (terms: Term[], n = terms.length) => terms.slice(0, n).map((t) => t.text);
const term = (terms: Term[], text: string) => {
  const t = terms.find((x) => x.text === text);
  assert.ok(t, `${text} not in ${JSON.stringify(texts(terms))}`);
  return t;
};
const frames = (a: QueryAnalysis) =>
  a.frames.map((f) => `${f.func ?? "-"}@${f.repoPath}:${f.line} d${f.distance}${f.external ? " ext" : ""}`);

/** Words that must never reach the top of a query: template vocabulary, platform names, numbers. */
const NOISE =
  /^(?:describe|bug|expected|actual|behaviou?r|steps?|reproduce|environment|version|versions|os|python|ubuntu|macos|windows|node|checklist|searched|issue|screenshots?|additional|context|example|following|error|function|thanks|\d[\d.]*|v\d.*)$/i;
const assertNoNoise = (terms: Term[], n: number) => {
  for (const t of terms.slice(0, n))
    assert.ok(!NOISE.test(t.text), `noise term "${t.text}" (${t.weight}) in the top ${n}`);
};

describe("analyzeQuery: Python traceback issue", () => {
  const a = fixture("python-traceback");

  it("ranks the code the issue is about first", () => {
    assert.deepEqual(texts(a.identifiers, 3), ["bulk_update", "QuerySet.bulk_update", "Author.objects.bulk_update"]);
    assert.equal(term(a.identifiers, "bulk_update").source, "title");
    assert.ok(term(a.identifiers, "other__name").source === "inline_code");
    assertNoNoise(a.all, 15);
  });

  it("parses the frames, marks site-packages external and ranks the application path first", () => {
    assert.deepEqual(frames(a), [
      "bulk_update@myorm/db/models/query.py:812 d1 ext",
      "sync_authors@/home/alice/project/app/services/sync.py:44 d0",
      "resolve_expression@myorm/db/models/expressions.py:301 d0 ext",
    ]);
    assert.equal(a.paths[0]!.text, "/home/alice/project/app/services/sync.py");
    assert.ok(a.paths[0]!.variants.includes("services/sync.py"));
    assert.ok(texts(a.paths).includes("myorm/db/models/expressions.py"), "installed frames still name candidate files");
  });

  it("extracts the exception and its message, the message weighing most", () => {
    assert.deepEqual(texts(a.errorMessages), ["Joined field references are not permitted in this query", "FieldError"]);
    assert.equal(a.errorMessages[1]!.kind, "exception");
    assert.equal(a.all[1]!.text, "Joined field references are not permitted in this query");
  });

  it("drops the template: no checkbox, version or environment terms; modules from imports", () => {
    assert.equal(a.codeBlocks.length, 2);
    for (const w of ["ubuntu", "searched", "existing", "describe", "steps", "expected", "4.2.1", "3.11.4"]) {
      assert.ok(!a.all.some((t) => t.text.toLowerCase() === w), `${w} should be dropped`);
    }
    assert.equal(term(a.paths, "myorm.models").kind, "module");
    assert.ok(texts(a.keywords, 3).includes("expressions"));
  });
});

describe("analyzeQuery: Node stack trace", () => {
  const a = fixture("node-stack");

  it("finds the frames with node_modules and node:internal external", () => {
    assert.deepEqual(frames(a), [
      "applyRequestHeaders@http-proxy-kit/dist/plugins/headers.js:42 d0 ext",
      "HttpProxyMiddleware.handle@/app/src/server/proxy.ts:88 d0",
      "Layer.handle@express/lib/router/layer.js:95 d1 ext",
      "processTicksAndRejections@node:internal/process/task_queues:95 d1 ext",
    ]);
    assert.equal(a.paths[0]!.text, "/app/src/server/proxy.ts");
    assert.ok(!texts(a.paths).some((p) => p.startsWith("node:")), "runtime frames name no repository file");
  });

  it("ranks identifiers from inline code and the title above trace noise", () => {
    assert.deepEqual(texts(a.identifiers, 4).sort(), [
      "HttpProxyMiddleware.handle",
      "createProxyMiddleware",
      "onProxyReq",
      "options.onProxyReq",
    ]);
    assert.equal(term(a.errorMessages, "Cannot read properties of undefined (reading 'headers')").kind, "error");
    assert.ok(term(a.errorMessages, "TypeError").weight < 2, "platform exceptions weigh little");
    for (const w of ["macOS", "OS", "v20.11.0", "14.2"])
      assert.ok(!a.all.some((t) => t.text === w), `${w} is environment noise`);
    assertNoNoise(a.all, 12);
  });
});

describe("analyzeQuery: Java exception", () => {
  const a = fixture("java-exception");

  it("turns frames into package paths and splits the Caused-by trace", () => {
    assert.deepEqual(frames(a), [
      "OrderService.calculateTotal@com/shop/service/OrderService.java:57 d0",
      "OrderService.checkout@com/shop/service/OrderService.java:31 d1",
      "App.main@com/shop/App.java:12 d2",
      "Thread.run@java/lang/Thread.java:833 d3 ext",
      "DiscountRepository.find@com/shop/pricing/DiscountRepository.java:120 d0",
    ]);
    assert.equal(a.identifiers[0]!.text, "OrderService.calculateTotal");
    assert.equal(a.paths[0]!.text, "com/shop/service/OrderService.java");
  });

  it("prefers the application's exception over the platform's", () => {
    assert.ok(
      term(a.errorMessages, "PricingException").weight > 3 * term(a.errorMessages, "NullPointerException").weight,
    );
    assert.ok(texts(a.errorMessages).includes("discount lookup failed for code ''"));
    assert.ok(!a.identifiers.some((t) => /^(?:Caused|NPE|java\.lang)/.test(t.text)));
  });
});

describe("analyzeQuery: Go panic", () => {
  const a = fixture("go-panic");

  it("reads receiver-qualified frames and the panic message", () => {
    assert.deepEqual(frames(a), [
      "Queue.Push@/home/dev/jobq/internal/scheduler/queue.go:77 d0",
      "Worker.Run@/home/dev/jobq/internal/worker/worker.go:133 d1",
      "-@/home/dev/jobq/cmd/jobq/main.go:25 d2",
    ]);
    assert.deepEqual(texts(a.errorMessages), ["send on closed channel"]);
    assert.equal(a.paths[0]!.text, "/home/dev/jobq/internal/scheduler/queue.go");
    assert.ok(texts(a.identifiers, 3).includes("Queue.Push"));
    assert.ok(!a.all.some((t) => /github|goroutine|^main\.main$/.test(t.text)), "trace boilerplate is not a term");
  });
});

describe("analyzeQuery: Rust panic", () => {
  const a = fixture("rust-panic");

  it("reads the panic location, backtrace frames and message", () => {
    assert.equal(a.paths[0]!.text, "src/parser/lexer.rs");
    assert.deepEqual(texts(a.identifiers, 2), ["Lexer.next_token", "Parser.parse_document"]);
    assert.deepEqual(texts(a.errorMessages), ["index out of bounds: the len is 0 but the index is 0"]);
    assert.ok(a.frames.filter((f) => f.external).every((f) => f.path.startsWith("/rustc/")));
    assert.ok(!texts(a.paths).some((p) => p.includes("/rustc/")));
  });
});

describe("analyzeQuery: sanitizer report", () => {
  it("reads an indented AddressSanitizer trace as one trace, innermost frame first", () => {
    const a = analyzeQuery(`Fix overflow in the number parser

==1==ERROR: AddressSanitizer: heap-buffer-overflow
    #0 0x4faa0 in parse_number /home/dev/proj/src/number.c:266:5
    #1 0x4fba0 in parse_value /home/dev/proj/src/parse.c:1045:5`);
    assert.deepEqual(frames(a), [
      "parse_number@/home/dev/proj/src/number.c:266 d0",
      "parse_value@/home/dev/proj/src/parse.c:1045 d1",
    ]);
  });
});

describe("analyzeQuery: template full of noise", () => {
  const a = fixture("template-noise");

  it("keeps the few content words and drops checklists, tables, versions, links, mentions and hashes", () => {
    assert.equal(a.errorMessages.length, 0);
    assert.equal(a.frames.length, 0);
    for (const w of ["week", "locale", "picker", "monday"])
      assert.ok(texts(a.keywords, 8).includes(w), `${w} in the top keywords`);
    for (const w of [
      "checklist",
      "searched",
      "documentation",
      "screenshot",
      "chrome",
      "browser",
      "maintainer",
      "a1b2c3d4e5f6",
      "1234",
      "2.3.1",
      "https",
    ]) {
      assert.ok(!a.all.some((t) => t.text.toLowerCase() === w), `${w} should be dropped`);
    }
    assert.ok(
      a.all.every((t) => t.weight < 1.5),
      "nothing here deserves a high weight",
    );
    const listed = a.identifiers.find((t) => t.text === "datekit");
    assert.ok(!listed || listed.weight < 0.5, "a pip-freeze listing weighs little");
    assertNoNoise(a.all, 20);
  });
});

describe("analyzeQuery: inline code and a code block", () => {
  const a = fixture("inline-code");

  it("puts inline-code identifiers first, with grep variants", () => {
    assert.deepEqual(texts(a.identifiers, 3), ["HttpClient.send", "max_retries", "HttpClient"]);
    assert.deepEqual(term(a.identifiers, "max_retries").variants, ["max_retries", "maxRetries", "MaxRetries"]);
    assert.deepEqual(term(a.identifiers, "HttpClient.send").variants, ["HttpClient.send", "send", "HttpClient"]);
    assert.ok(texts(a.identifiers).includes("base_url"), "keyword arguments from the code block");
    assert.equal(term(a.paths, "client/retry.py").source, "inline_code");
    assert.ok(!a.all.some((t) => /api\.example\.com|https/.test(t.text)), "URLs are not terms");
  });

  it("treats a sentence in backticks as a message, not as identifiers", () => {
    assert.equal(a.errorMessages[0]!.text, "ConnectionPoolExhausted: pool is full, discarding connection");
    assert.equal(a.errorMessages[0]!.kind, "quoted");
    assert.ok(!a.identifiers.some((t) => t.text === "discarding" || t.text === "pool"));
  });
});

describe("analyzeQuery: small inputs", () => {
  it("handles an empty query and a one-line question", () => {
    const empty = analyzeQuery("");
    assert.deepEqual([empty.all.length, empty.frames.length, empty.codeBlocks.length], [0, 0, 0]);
    const q = analyzeQuery("Where is the retry backoff for getUserProfile computed?");
    assert.equal(q.identifiers[0]!.text, "getUserProfile");
    assert.equal(q.identifiers[0]!.source, "title");
    assert.deepEqual(texts(q.keywords).sort(), ["backoff", "computed", "retry"]);
  });

  it("reads PHP namespace-qualified names as qualified identifiers, not as a lone first segment", () => {
    const q = analyzeQuery("Sanitize JSON parse errors in Http\\Response to avoid leaking response bodies");
    term(q.identifiers, "Http.Response");
    term(q.identifiers, "Response");
    const lead = analyzeQuery("Fails in \\Symfony\\Component\\Console\\Application::run with no command");
    term(lead.identifiers, "Symfony.Component.Console.Application.run");
    term(lead.identifiers, "Console");
    // A lower-case segment is not a namespace (`\n` in prose stays out).
    const escapes = analyzeQuery("The parser splits on \\n and \\t only");
    assert.ok(!escapes.identifiers.some((t) => t.text.includes(".")));
  });

  it("reads `Context.Json` as a member, not a file", () => {
    const q = analyzeQuery("Context.Json should not unwrap response and just wrap Response");
    for (const name of ["Context.Json", "Json"]) term(q.identifiers, name);
    const file = analyzeQuery("Loading settings.json fails when the file is empty");
    assert.ok(!file.identifiers.some((t) => t.text.startsWith("settings")), "a lower-case extension is a file");
    term(file.paths, "settings.json");
  });

  it("does not read a word before a parenthesis in prose, or before a PR number, as a call", () => {
    const pr = analyzeQuery("Fix response body cleanup after hooks (#809)");
    assert.ok(!pr.identifiers.some((t) => t.text === "hooks"), "hooks (#809) is a word, not a call");
    assert.ok(pr.keywords.some((t) => t.text === "hooks"));
    const aside = analyzeQuery("The retry loop (see below) never stops");
    assert.ok(!aside.identifiers.some((t) => t.text === "loop"));
    const called = analyzeQuery("Calling retry() twice hangs");
    assert.ok(
      called.identifiers.some((t) => t.text === "retry"),
      "retry() is a call",
    );
    const code = analyzeQuery("Hangs:\n\n```\nresult = retry (fn)\n```\n");
    assert.ok(
      code.identifiers.some((t) => t.text === "retry"),
      "in code, spacing does not matter",
    );
  });

  it("reads linked source files and unfenced tracebacks", () => {
    const q = analyzeQuery(
      "Crash in the importer\n\nSee https://github.com/acme/tool/blob/main/src/tool/importer.py#L40-L52\n\nTraceback (most recent call last):\n  File \"src/tool/importer.py\", line 44, in load_rows\n    rows = parse(raw)\nUnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte\n",
    );
    assert.equal(q.paths[0]!.text, "src/tool/importer.py");
    assert.equal(q.codeBlocks.length, 1);
    assert.deepEqual(frames(q), ["load_rows@src/tool/importer.py:44 d0"]);
    assert.ok(
      texts(q.errorMessages).includes("'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    );
  });

  it("stays linear on a long issue (no catastrophic backtracking)", () => {
    const long = readFileSync(new URL("./fixtures/python-traceback.md", import.meta.url), "utf8").repeat(40);
    const t0 = performance.now();
    analyzeQuery(long);
    // A guard against runaway regexes (which take minutes), not a performance measurement.
    assert.ok(performance.now() - t0 < 10_000);
  });
});

describe("analyzeQuery: diagnostics printed by compilers, linters and doc tools", () => {
  it("takes the message of `file:line: message` lines, with or without a level", () => {
    const a = analyzeQuery(
      [
        "The build now fails:",
        "```",
        "Warning, treated as error:",
        'docs/tool.rst.inc:4:Malformed option description \'[on=]MODE\', should look like "opt" or "--opt args"',
        "src/widget.c:12:5: error: implicit declaration of function 'frobnicate'",
        "```",
      ].join("\n"),
    );
    const messages = a.errorMessages.map((t) => t.text);
    assert.ok(
      messages.some((m) => m.startsWith("Malformed option description")),
      messages.join(" | "),
    );
    assert.ok(
      messages.some((m) => m.startsWith("implicit declaration of function")),
      messages.join(" | "),
    );
  });
});
