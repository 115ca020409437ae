/**
 * The Context-1 harness against a fake vLLM in harmony style: reasoning sent back, one call per
 * turn, a call on the analysis channel, a `functions.`-prefixed and a bare tool name, broken
 * argument JSON. Checks the exact usage line, de-duplication, pruning, the hard cutoff, answer
 * validation and 4 rollouts fused by RRF — on a real indexed corpus.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import type { ExploreEvent } from "../../src/core/types.js";
import { DEFAULT_BUDGET } from "../../src/corpus/harness/budget.js";
import { runCorpusSearch } from "../../src/corpus/harness/loop.js";
import { fuseRollouts } from "../../src/corpus/harness/rollouts.js";
import { createChatClient } from "../../src/llm/client.js";
import type { ChatMessage } from "../../src/llm/types.js";
import { type FakeOpenAI, reply, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type CorpusFixture, corpusFixture } from "./support/corpus-fixture.js";

const USAGE = /\n\[Token usage: (\d{1,3}(?:,\d{3})*)\/32,768\]$/;
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

interface SentMessage {
  role: string;
  content: string | null;
  reasoning?: string;
  name?: string;
  tool_calls?: Array<{ function: { name: string; arguments: string } }>;
}

/** The view's size as the harness defines it, recomputed from what was sent (minus the last line). */
function tokensOfRequest(body: { messages?: unknown; tools?: unknown }): number {
  const messages = body.messages as SentMessage[];
  let n = encode(JSON.stringify(body.tools), NO_SPECIAL).length;
  messages.forEach((m, i) => {
    let content = m.content ?? "";
    if (i === messages.length - 1) content = content.replace(USAGE, "");
    n += 4 + encode(content, NO_SPECIAL).length;
    if (m.reasoning) n += encode(m.reasoning, NO_SPECIAL).length;
    for (const c of m.tool_calls ?? []) n += encode(`${c.function.name}${c.function.arguments}`, NO_SPECIAL).length;
  });
  return n;
}

function chunkIdsIn(text: string): string[] {
  return [...text.matchAll(/<chunk id="([^"]+)"/g)].map((m) => m[1] ?? "");
}

let server: FakeOpenAI;
let fx: CorpusFixture;
beforeEach(async () => {
  server = await startFakeOpenAI({ models: [{ id: "openai/gpt-oss-20b", max_model_len: 131072 }] });
  fx = await corpusFixture();
});
afterEach(async () => {
  await server.close();
  await fx[Symbol.asyncDispose]();
});

function run(overrides: Partial<Parameters<typeof runCorpusSearch>[0]> = {}) {
  const client = createChatClient({ baseUrl: server.url, model: "openai/gpt-oss-20b", maxRetries: 0 });
  return runCorpusSearch({
    query: "What is the retention policy and the beta cache?",
    store: fx.store,
    retriever: fx.retriever,
    corpus: fx.corpus,
    client,
    budget: DEFAULT_BUDGET,
    maxTurns: 12,
    maxDocuments: 10,
    ...overrides,
  });
}

describe("corpus harness, harmony style", () => {
  test("usage line, reasoning round trip, analysis-channel and bare calls, dedup, prune, validated answer", async () => {
    const query = "retention policy records";
    const firstShown = (await fx.retriever.search(query, 50))[0]?.chunk.id ?? "";
    assert.match(firstShown, /^retention\.md_\d+$/);
    server.enqueue(
      reply()
        .reasoningField("reasoning")
        .reasoning("Search for the retention policy first.")
        .toolCall("functions.search_corpus", { query }),
      reply().content(
        '<|channel|>analysis to=functions.grep_corpus <|constrain|>json<|message|>{"pattern": "(?i)beta cache"}<|call|>',
      ),
      reply()
        .reasoningField("reasoning")
        .reasoning("Read the whole policy.")
        .toolCall("read_document", { doc_id: "retention.md" }),
      reply().toolCall("search_corpus", '{"query": @@@ )))'),
      reply().toolCall("prune_chunks", { chunk_ids: [firstShown, "nope_9"] }),
      reply().toolCall("search_corpus", { query }),
      reply().content(
        '<Document id="retention.md"><Justification>Defines the retention policy.</Justification></Document>\n<Document id=missing.md><Justification>Never shown.</Justification></Document>\n<Document id=caching.md_0><Justification>The beta cache.</Justification></Document>',
      ),
    );
    const events: ExploreEvent[] = [];
    const recorded: ChatMessage[] = [];
    const result = await run({ onEvent: (e) => events.push(e), onMessage: (m) => recorded.push(m) });
    server.assertDrained();
    const requests = server.chatRequests().map((r) => r.body!);
    assert.equal(requests.length, 7);

    // After every turn the last observation ends with the usage line, and its number is the size
    // of exactly what the model is sent next.
    for (const body of requests.slice(1)) {
      const messages = body.messages as SentMessage[];
      const last = messages.at(-1)!;
      assert.equal(last.role, "tool");
      const m = USAGE.exec(last.content ?? "");
      assert.ok(m, `no usage line in: ${last.content?.slice(-80)}`);
      assert.equal(Number(m[1]!.replace(/,/g, "")), tokensOfRequest(body));
    }
    // Reasoning goes back as `reasoning` on every later turn; tool messages carry their names.
    const second = requests[1]!.messages as SentMessage[];
    assert.equal(second[2]?.reasoning, "Search for the retention policy first.");
    assert.equal(second[3]?.name, "search_corpus");
    const final = requests[6]!.messages as SentMessage[];
    assert.ok(final.filter((m) => m.reasoning === "Read the whole policy.").length === 1);
    // The analysis-channel call ran as grep_corpus and found the cache document.
    const grepResult = final.find((m) => m.role === "tool" && m.name === "grep_corpus");
    assert.deepEqual(chunkIdsIn(grepResult?.content ?? ""), ["caching.md_0"]);
    // Broken JSON became an error observation, not a crash.
    assert.ok(final.some((m) => m.role === "tool" && /malformed tool call/.test(m.content ?? "")));
    // No chunk is ever shown twice across searches, grep and read.
    const shown = final.filter((m) => m.role === "tool").flatMap((m) => chunkIdsIn(m.content ?? ""));
    assert.equal(new Set(shown).size, shown.length, `a chunk was shown twice: ${shown.join(" ")}`);
    // The pruned chunk left the view (placeholder) and never came back; the trajectory keeps it.
    assert.ok(!shown.includes(firstShown));
    assert.ok(final.some((m) => (m.content ?? "").includes(`[pruned: ${firstShown}]`)));
    const pruneResult = final.find((m) => m.name === "prune_chunks")?.content ?? "";
    assert.match(pruneResult, /^Pruned 1 chunk\(s\), freeing [\d,]+ tokens\. Not in your context: nope_9\./);
    assert.ok(recorded.some((m) => m.role === "tool" && (m.content ?? "").includes(`<chunk id="${firstShown}"`)));
    assert.ok(result.trace.prunedChunks.includes(firstShown));
    assert.ok(result.trace.seenChunks.includes(firstShown));
    // The answer: a never-shown id is dropped, a chunk id stands for its document.
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(
      result.documents.map((d) => d.id),
      ["retention.md", "caching.md"],
    );
    assert.deepEqual(result.trace.droppedDocs, [{ id: "missing.md", reason: "never shown in this run" }]);
    assert.equal(result.citations[0]?.path, "retention.md");
    assert.equal(events.filter((e) => e.type === "budget").length, 6);
    assert.equal(events.at(-1)?.type, "run_end");
  });

  test("past the hard cutoff every tool but prune_chunks is rejected", async () => {
    const budget = { ...DEFAULT_BUDGET, totalTokens: 3000, reserveTokens: 200, hardCutoff: 0.6, searchTokens: 2000 };
    const first = await fx.retriever.search("retention", 50);
    server.enqueue(
      reply().toolCall("search_corpus", { query: "retention" }),
      reply().toolCall("grep_corpus", { pattern: "Legal hold" }),
      reply().toolCall("prune_chunks", { chunk_ids: first.slice(0, 3).map((h) => h.chunk.id) }),
      reply().content("<Document id=retention.md><Justification>The policy.</Justification></Document>"),
    );
    const events: ExploreEvent[] = [];
    const result = await run({ budget, onEvent: (e) => events.push(e) });
    server.assertDrained();
    const messages = server.chatRequests()[3]!.body!.messages as SentMessage[];
    const tools = messages.filter((m) => m.role === "tool");
    const used = (text: string) => Number(/\[Token usage: ([\d,]+)\/3,000\]$/.exec(text)?.[1]?.replace(/,/g, ""));
    assert.ok(
      used(tools[0]!.content!) >= 0.6 * 3000,
      `the first search filled the view past the cutoff: ${used(tools[0]!.content!)} ${chunkIdsIn(tools[0]!.content!).join(" ")}`,
    );
    assert.ok(used(tools[0]!.content!) <= 3000 - 200, "results stopped short of the reserve");
    assert.match(
      tools[1]!.content!,
      /^Error: the context budget is nearly spent \(Token usage: [\d,]+\/3,000\)\. Only prune_chunks can run now/,
    );
    assert.match(tools[2]!.content!, /^Pruned \d chunk\(s\)/);
    assert.ok(used(tools[2]!.content!) < used(tools[1]!.content!));
    const ends = events.filter((e) => e.type === "tool_end");
    assert.equal(ends[1]?.type === "tool_end" && ends[1].error, "hard cutoff");
    assert.deepEqual(
      result.documents.map((d) => d.id),
      ["retention.md"],
    );
  });

  test("soft threshold: off by default, a prune-or-conclude note when set", async () => {
    server.enqueue(
      reply().toolCall("search_corpus", { query: "retention" }),
      reply().content("<Document id=retention.md><Justification>x</Justification></Document>"),
    );
    await run({ budget: { ...DEFAULT_BUDGET, totalTokens: 4000, reserveTokens: 200, softThreshold: 0.5 } });
    const withNote = server.chatRequests()[1]!.body!.messages as SentMessage[];
    assert.match(withNote.at(-1)!.content!, /\[Token usage: [\d,]+\/4,000\]\nYou have used more than half/);
    server.enqueue(
      reply().toolCall("search_corpus", { query: "retention" }),
      reply().content("<Document id=retention.md><Justification>x</Justification></Document>"),
    );
    await run({ budget: { ...DEFAULT_BUDGET, totalTokens: 4000, reserveTokens: 200 } });
    const without = server.chatRequests()[3]!.body!.messages as SentMessage[];
    assert.match(without.at(-1)!.content!, /\[Token usage: [\d,]+\/4,000\]$/);
  });

  test("no answer after a nudge ends with no_answer and the seen documents as a partial result", async () => {
    server.enqueue(
      reply().toolCall("search_corpus", { query: "quota limit" }),
      reply().content("I think I am done."),
      reply().content("Still no entries."),
    );
    const result = await run();
    assert.equal(result.stopReason, "no_answer");
    assert.equal(result.partial, true);
    assert.ok(result.documents.some((d) => d.id === "faq.jsonl#q1"));
    assert.ok(result.warnings.some((w) => /no final answer/.test(w)));
  });

  test("4 rollouts are fused by RRF", async () => {
    const answers = [
      ["retention.md", "caching.md"],
      ["caching.md", "retention.md"],
      ["caching.md", "faq.jsonl#q1"],
      ["caching.md"],
    ];
    const results = [];
    for (const list of answers) {
      server.enqueue(
        reply().toolCall("grep_corpus", { pattern: "(?i)retention policy|beta cache|quota" }),
        reply().content(list.map((id) => `<Document id=${id}><Justification>j</Justification></Document>`).join("\n")),
      );
      results.push(await run());
    }
    const fused = fuseRollouts(results, 10);
    assert.equal(fused.rollouts, 4);
    assert.deepEqual(
      fused.documents.map((d) => d.id),
      ["caching.md", "retention.md", "faq.jsonl#q1"],
    );
    assert.equal(fused.toolCalls, 4);
    assert.equal(fused.stopReason, "answered");
  });
});
