/**
 * The side files a server needs beyond the weights: a tokenizer, a chat template (and whether it
 * renders tools), generation stop ids (a harmony model must stop on `<|call|>` 200012 as well as
 * `<|return|>` 200002), and tied embeddings consistent with the tensors.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Checkpoint } from "./checkpoint-dir.js";
import { eosIds, HARMONY_EOS_IDS } from "./harmony.js";
import type { Finding } from "./quant-config-checks.js";

export interface ServingFiles {
  tokenizer?: string;
  /** Where the chat template lives (`tokenizer_config.json`, `chat_template.jinja`…). */
  chatTemplate?: string;
  /** The template renders a tool list. */
  tools: boolean;
  /** Whether this is a harmony (gpt-oss) model. */
  harmony: boolean;
  eos: { ids: number[]; required: number[]; missing: number[] };
  tiedEmbeddings: { configured?: boolean; lmHeadTensor: boolean };
  findings: Finding[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch(() => undefined);
}

/** The chat template text and its file, from any of the places tokenizers keep it. */
async function findChatTemplate(ckpt: Checkpoint): Promise<{ file: string; text: string } | undefined> {
  const fromConfig = ckpt.json.tokenizerConfig?.chat_template;
  if (typeof fromConfig === "string") return { file: "tokenizer_config.json", text: fromConfig };
  if (Array.isArray(fromConfig)) {
    const text = fromConfig
      .filter(isRecord)
      .map((t) => (typeof t.template === "string" ? t.template : ""))
      .join("\n");
    if (text) return { file: "tokenizer_config.json", text };
  }
  for (const file of ["chat_template.jinja", "chat_template.json"]) {
    if (!ckpt.fileNames.includes(file)) continue;
    const text = await readText(join(ckpt.dir, file));
    if (text === undefined) continue;
    if (file.endsWith(".json")) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (isRecord(parsed) && typeof parsed.chat_template === "string") return { file, text: parsed.chat_template };
      } catch {
        continue;
      }
    }
    return { file, text };
  }
  return undefined;
}

/** Id of a token string from tokenizer.json's added tokens. */
async function addedTokenId(ckpt: Checkpoint, content: string): Promise<number | undefined> {
  if (!ckpt.fileNames.includes("tokenizer.json")) return undefined;
  const text = await readText(join(ckpt.dir, "tokenizer.json"));
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const added = isRecord(parsed) && Array.isArray(parsed.added_tokens) ? parsed.added_tokens : [];
    for (const token of added)
      if (isRecord(token) && token.content === content && typeof token.id === "number") return token.id;
  } catch {
    return undefined;
  }
  return undefined;
}

function tokenString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isRecord(value) && typeof value.content === "string") return value.content;
  return undefined;
}

/** Check the side files of an open checkpoint. */
export async function checkServingFiles(ckpt: Checkpoint): Promise<ServingFiles> {
  const findings: Finding[] = [];
  const config = ckpt.json.config;
  const template = await findChatTemplate(ckpt);
  const architectures = Array.isArray(config?.architectures) ? config.architectures : [];
  const harmony =
    config?.model_type === "gpt_oss" ||
    architectures.includes("GptOssForCausalLM") ||
    (template?.text.includes("<|channel|>") ?? false);
  const tokenizer = ["tokenizer.json", "tokenizer.model", "vocab.json"].find((n) => ckpt.fileNames.includes(n));
  if (!tokenizer)
    findings.push({
      level: "error",
      message: "no tokenizer (tokenizer.json / tokenizer.model): the server cannot start from this directory",
    });
  const tools = template ? /\btools\b/.test(template.text) : false;
  if (!template)
    findings.push({
      level: "error",
      message:
        "no chat template (tokenizer_config.json chat_template or chat_template.jinja): chat completions will fail",
    });
  else if (!tools)
    findings.push({
      level: "error",
      message: `the chat template (${template.file}) never renders tools: tool calls cannot work`,
    });

  const ids = eosIds(ckpt.json.generationConfig);
  let required: number[] = [];
  if (harmony) required = [...HARMONY_EOS_IDS];
  else {
    const eosToken = tokenString(ckpt.json.tokenizerConfig?.eos_token);
    const id = eosToken ? await addedTokenId(ckpt, eosToken) : undefined;
    if (id !== undefined) required = [id];
  }
  const missing = required.filter((id) => !ids.includes(id));
  if (!ckpt.json.generationConfig)
    findings.push({
      level: harmony ? "error" : "warn",
      message: "no generation_config.json: the server falls back to the tokenizer's single eos token",
    });
  else if (missing.length > 0)
    findings.push({
      level: "error",
      message: harmony
        ? `generation_config.json eos_token_id lacks ${missing.join(", ")}: a harmony model must stop on <|call|> (200012) and <|return|> (200002), or tool calls run on and the parser fails`
        : `generation_config.json eos_token_id lacks the tokenizer's eos token ${missing.join(", ")}`,
    });

  const lmHeadTensor =
    ckpt.tensors.has("lm_head.weight") || [...ckpt.tensors.keys()].some((n) => n.startsWith("lm_head."));
  const configured = typeof config?.tie_word_embeddings === "boolean" ? config.tie_word_embeddings : undefined;
  if (configured === false && !lmHeadTensor)
    findings.push({ level: "error", message: "tie_word_embeddings is false but there is no lm_head tensor" });
  if (configured === true && lmHeadTensor)
    findings.push({
      level: "warn",
      message:
        "tie_word_embeddings is true but an lm_head tensor is present: it is ignored and the embeddings are used",
    });
  if (configured === undefined && !lmHeadTensor)
    findings.push({
      level: "info",
      message: "no lm_head tensor and tie_word_embeddings unset: transformers ties by default",
    });

  return {
    ...(tokenizer ? { tokenizer } : {}),
    ...(template ? { chatTemplate: template.file } : {}),
    tools,
    harmony,
    eos: { ids, required, missing },
    tiedEmbeddings: { ...(configured !== undefined ? { configured } : {}), lmHeadTensor },
    findings,
  };
}
