/**
 * gpt-oss "harmony" text that leaked into `content` (server parser off or failing), e.g.
 * `<|start|>assistant<|channel|>commentary to=functions.Grep <|constrain|>json<|message|>{…}<|call|>`.
 * Splits it into messages; the tool-call parser decides what each one means. Pure.
 */

const TOKEN = /<\|(start|channel|message|end|call|return|constrain)\|>/g;
/** Role-header text before a `<|channel|>` with no `<|start|>`: `assistant`, `assistant to=…`, or ` to=…` alone. */
/** A header written without its tokens, e.g. `commentary to=functions.f ` before `<|constrain|>`. */
const HEADER_WITH_RECIPIENT = /^[^\S\n]*[A-Za-z_]*[^\S\n]*\bto=[^\s<]+[^\S\n]*$/;
const LEAKED_ROLE = /^\s*(assistant\b[^\n]*|to=[^\s<]+[^\S\n]*(\S+[^\S\n]*)?)$/;

/** True when the text carries harmony control tokens. */
export function isHarmony(text: string): boolean {
  return /<\|(channel|message|call)\|>/.test(text);
}

/** One harmony message: its channel, its recipient for tool calls, and its body. */
export interface HarmonyMessage {
  /** `analysis`, `commentary`, `final`, or "" when the header named none. */
  channel: string;
  /** `to=…` target with any `functions.` prefix removed; undefined for plain messages. */
  recipient?: string;
  body: string;
  /** The message as it appeared, for error reports. */
  raw: string;
  /** False when the text ended before `<|end|>`/`<|call|>`/`<|return|>`. */
  terminated: boolean;
  /** True when the header never reached `<|message|>` (its text after the channel name is the body). */
  headerOnly: boolean;
  /** The author when the header named one other than the assistant (a tool's echoed result). */
  author?: string;
  /** `to=assistant`: addressed to the model itself (a tool's reply), neither a call nor the answer. */
  toAssistant?: boolean;
  /** Set when the header is ambiguous (several `to=` clauses): reported, never guessed at. */
  headerError?: string;
}

/** Every message found, plus text outside any message. */
export interface HarmonyParse {
  messages: HarmonyMessage[];
  /** Plain text found outside any message. */
  outside: string[];
}

type State = "outside" | "role" | "channel" | "body";

/** Split harmony text into messages. Never throws; a dangling header becomes a message with an empty body. */
export function parseHarmony(text: string): HarmonyParse {
  const messages: HarmonyMessage[] = [];
  const outside: string[] = [];
  let state: State = "outside";
  let role = "";
  let channel = "";
  let body = "";
  let sawMessage = false;
  let rawStart = 0;
  let last = 0;

  const finish = (end: number, terminated: boolean) => {
    messages.push(toMessage(role, channel, sawMessage ? body : undefined, text.slice(rawStart, end), terminated));
    role = channel = body = "";
    sawMessage = false;
    state = "outside";
  };

  for (const match of text.matchAll(TOKEN)) {
    const at = match.index ?? 0;
    const piece = text.slice(last, at);
    last = at + match[0].length;
    const token = match[1];

    if (state === "outside") {
      if (token === "start" || token === "channel") {
        // Without <|start|>, the role header may precede the channel token: a leaked role word
        // ("assistant"), or only its recipient when the prompt ended with `<|start|>assistant`.
        const leakedRole = token === "channel" && LEAKED_ROLE.test(piece);
        if (leakedRole) role = piece;
        else if (piece.trim()) outside.push(piece);
        rawStart = leakedRole ? at - piece.length : at;
        state = token === "start" ? "role" : "channel";
      } else if (token === "constrain" && (LEAKED_ROLE.test(piece) || HEADER_WITH_RECIPIENT.test(piece))) {
        // ` to=functions.f <|constrain|>json<|message|>`: a role header with no channel token.
        role = `${piece} `;
        rawStart = at - piece.length;
        state = "role";
      } else if (token === "message") {
        if (piece.trim()) channel = piece;
        rawStart = at - piece.length;
        sawMessage = true;
        state = "body";
      } else if (piece.trim()) {
        outside.push(piece);
      }
      continue;
    }
    if (state === "body") {
      if (token === "end" || token === "call" || token === "return") {
        body += piece;
        finish(last, true);
      } else if (token === "start") {
        body += piece;
        finish(at, false);
        rawStart = at;
        state = "role";
      } else {
        // A stray header token inside a body is kept as text rather than guessed at.
        body += piece + match[0];
      }
      continue;
    }
    if (state === "role") role += piece;
    else channel += piece;
    switch (token) {
      case "channel":
        // A second channel token in one header: the text before it was a stray header
        // (`<|channel|>commentary to=assistant<|channel|>final`), so the new one replaces it.
        if (state === "channel") channel = "";
        state = "channel";
        break;
      case "message":
        sawMessage = true;
        state = "body";
        break;
      case "start":
        finish(at, false);
        rawStart = at;
        state = "role";
        break;
      case "end":
      case "call":
      case "return":
        finish(last, true);
        break;
      default:
        // <|constrain|> separates the content type ("json") from the recipient even when the model
        // wrote no space before it (`to=functions.f<|constrain|>json`).
        if (state === "role") role += " ";
        else channel += " ";
        break;
    }
  }

  const tail = text.slice(last);
  if (state === "outside") {
    if (tail.trim()) outside.push(tail);
  } else {
    if (state === "body") body += tail;
    else if (state === "role") role += tail;
    else channel += tail;
    finish(text.length, false);
  }
  return { messages, outside };
}

function toMessage(
  role: string,
  channel: string,
  body: string | undefined,
  raw: string,
  terminated: boolean,
): HarmonyMessage {
  const header = `${role} ${channel}`;
  const target = /\bto=([^\s<]+)/.exec(header)?.[1];
  const channelName = /^\s*([A-Za-z_]+)/.exec(channel)?.[1] ?? "";
  // A header closed without <|message|> keeps its text after the channel name as the body.
  const text =
    body ??
    channel
      .replace(/^\s*[A-Za-z_]+/, "")
      .replace(/\bto=[^\s<]+/, "")
      .trim();
  const message: HarmonyMessage = { channel: channelName, body: text, raw, terminated, headerOnly: body === undefined };
  // `to=assistant` addresses the model itself (a tool's reply, or a stray header): not a call.
  if (target === "assistant") message.toAssistant = true;
  else if (target) message.recipient = target.replace(/^functions\./, "");
  if ((header.match(/\bto=/g) ?? []).length > 1)
    message.headerError = "the message header names more than one recipient";
  const author = /^\s*([^\s<]+)/.exec(role)?.[1];
  if (author && author !== "assistant" && !author.startsWith("to=")) message.author = author;
  return message;
}
