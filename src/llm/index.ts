/** Public surface of the model client layer. */
export { createChatClient, buildBody, DEFAULT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_RETRIES } from "./client.js";
export type { ChatClient, ChatClientConfig, ChatCallControl } from "./client.js";
export { LlmError, isLlmError, RETRYABLE_STATUS } from "./errors.js";
export type { LlmErrorKind } from "./errors.js";
export { toAssistantMessage, malformedCallResult, UNKNOWN_TOOL_NAME } from "./history.js";
export { detectContextWindow, listModels, windowFromModels, windowFromLaunchArgs } from "./models.js";
export type { ContextWindowInfo, ModelsRequestOptions } from "./models.js";
export { parseToolCallsFromContent, looksLikeToolCallContent, normalizeArguments, normalizeToolName } from "./tool-call-parse.js";
export type { ContentParse, ContentParseOptions } from "./tool-call-parse.js";
export { splitThink } from "./think.js";
export { normalizeBaseUrl, serverRoot } from "./url.js";
export type * from "./types.js";
