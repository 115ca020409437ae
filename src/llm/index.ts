/** Public surface of the model client layer. */

export type { ChatCallControl, ChatClient, ChatClientConfig } from "./client.js";
export {
  buildBody,
  createChatClient,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
} from "./client.js";
export type { LlmErrorKind } from "./errors.js";
export { isLlmError, LlmError, RETRYABLE_STATUS } from "./errors.js";
export { malformedCallResult, toAssistantMessage, UNKNOWN_TOOL_NAME } from "./history.js";
export type { ContextWindowInfo, ModelsRequestOptions } from "./models.js";
export { detectContextWindow, listModels, windowFromLaunchArgs, windowFromModels } from "./models.js";
export { splitThink } from "./think.js";
export type { ContentParse, ContentParseOptions } from "./tool-call-parse.js";
export {
  looksLikeToolCallContent,
  normalizeArguments,
  normalizeToolName,
  parseToolCallsFromContent,
} from "./tool-call-parse.js";
export type * from "./types.js";
export { normalizeBaseUrl, serverRoot } from "./url.js";
