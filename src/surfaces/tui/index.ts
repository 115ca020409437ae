/** Public surface of the live view: the reducer, the listener that renders it, and replay helpers. */

export { footerLine } from "./format.js";
export type { RunViewHandle, RunViewOptions } from "./live.js";
export { startRunView } from "./live.js";
export { eventsFromTrajectory, playEvents, replayClock } from "./replay.js";
export type { AnswerView, CallView, EndView, NoticeView, TurnView, ViewState } from "./state.js";
export { doneTurns, elapsedMs, initialViewState, openTurns, reduceView, waitingSeconds } from "./state.js";
export { colorEnabled, isInteractive } from "./terminal.js";
export { RunView } from "./view.js";
