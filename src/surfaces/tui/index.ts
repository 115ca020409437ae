/** Public surface of the live view: the reducer, the listener that renders it, and replay helpers. */
export { startRunView } from "./live.js";
export type { RunViewHandle, RunViewOptions } from "./live.js";
export { initialViewState, reduceView, waitingSeconds, elapsedMs, doneTurns, openTurns } from "./state.js";
export type { ViewState, TurnView, CallView, AnswerView, EndView, NoticeView } from "./state.js";
export { footerLine } from "./format.js";
export { colorEnabled, isInteractive } from "./terminal.js";
export { eventsFromTrajectory, playEvents, replayClock } from "./replay.js";
export { RunView } from "./view.js";
