// The JSX runtime is named here, not only in tsconfig: bin/fastcontext.js runs the sources through
// tsx from the user's working directory, where our tsconfig is not found.
// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The Ink component of the live view: a header and every finished turn are printed once
 * (`<Static>`), the open turn, the answer and the footer are redrawn. It renders props only — the
 * controller (live.ts) owns the state and the clock — so tests render it with `renderToString`.
 */
import { Box, Static, Text } from "ink";
import { createContext, type ReactNode, useContext } from "react";
import { argsSummary, callOutcome, citationText, footerParts, formatTokens, turnHeading, turnText } from "./format.js";
import {
  type AnswerView,
  doneTurns,
  type NoticeView,
  openTurns,
  type TurnView,
  type ViewState,
  waitingSeconds,
} from "./state.js";

/** Props of `RunView`. */
export interface RunViewProps {
  state: ViewState;
  /** The clock of the view (wall time live, the recorded time in a replay). */
  now: number;
  /** Colours on (NO_COLOR and non-terminals turn them off). */
  color: boolean;
}

type Tone = "plain" | "dim" | "accent" | "ok" | "warn" | "error" | "bold";

const TONES: Record<Exclude<Tone, "plain">, { color?: string; dimColor?: boolean; bold?: boolean }> = {
  dim: { dimColor: true },
  accent: { color: "cyan" },
  ok: { color: "green" },
  warn: { color: "yellow" },
  error: { color: "red" },
  bold: { bold: true },
};

const ColorContext = createContext(true);

/** Inline text in a tone; plain when colour is off. */
function T({ tone = "plain", children }: { tone?: Tone; children: ReactNode }) {
  const color = useContext(ColorContext);
  if (!color || tone === "plain") return <Text>{children}</Text>;
  return <Text {...TONES[tone]}>{children}</Text>;
}

/** One row, cut at the terminal width instead of wrapping (one row per call). */
function Row({ children }: { children: ReactNode }) {
  return <Text wrap="truncate-end">{children}</Text>;
}

function Header({ state }: { state: ViewState }) {
  const run = state.run;
  if (!run) return null;
  const who = run.model ? `model ${run.model}` : `${run.policy} explorer`;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Row>
        <T tone="bold">fastcontext</T>
        <T tone="dim"> · </T>
        {run.root}
        <T tone="dim"> · </T>
        {who}
        <T tone="dim"> · max {run.maxTurns} turns</T>
      </Row>
      <Text>
        <T tone="dim">query: </T>
        {run.query}
      </Text>
    </Box>
  );
}

function Notice({ notice }: { notice: NoticeView }) {
  return (
    <Row>
      {"  "}
      <T tone={notice.level === "warn" ? "warn" : "dim"}>{notice.level === "warn" ? "! " : "· "}</T>
      <T tone={notice.level === "warn" ? "warn" : "dim"}>{notice.message}</T>
    </Row>
  );
}

function Turn({ turn, state, now }: { turn: TurnView; state: ViewState; now: number }) {
  const root = state.run?.root;
  const text = turnText(turn);
  const waiting = !turn.done && !turn.response && state.waiting?.turn === turn.turn;
  return (
    <Box flexDirection="column">
      <Row>
        <T tone="accent">─ </T>
        <T tone="bold">{turnHeading(turn, state.run?.maxTurns, state.run?.policy)}</T>
      </Row>
      {turn.notices.map((n, i) => (
        <Notice key={`n${i}`} notice={n} />
      ))}
      {turn.retries.map((r, i) => (
        <Row key={`r${i}`}>
          {"  "}
          <T tone="warn">↻ {r}</T>
        </Row>
      ))}
      {turn.response && turn.response.reasoningChars > 0 ? (
        <Row>
          {"  "}
          <T tone="dim">thinking: {formatTokens(turn.response.reasoningChars)} chars</T>
        </Row>
      ) : null}
      {text ? (
        <Row>
          {"  "}
          <T tone="dim">{text}</T>
        </Row>
      ) : null}
      {turn.calls.map((call) => (
        <Row key={`c${call.index}`}>
          {"  "}
          <T tone="accent">▸ {call.name}</T> {argsSummary(call.args, root)}
          <T tone={call.end?.error ? "error" : call.end ? "dim" : "warn"}>
            {"  → "}
            {callOutcome(call, now)}
          </T>
        </Row>
      ))}
      {waiting ? (
        <Row>
          {"  "}
          <T tone="warn">⋯ waiting on the model {Math.floor(waitingSeconds(state, now))} s</T>
          {turn.streamedChars > 0 ? <T tone="dim"> ({formatTokens(turn.streamedChars)} chars streamed)</T> : null}
        </Row>
      ) : null}
    </Box>
  );
}

function Answer({ answer }: { answer: AnswerView }) {
  const verified = answer.citations.filter((c) => c.verified).length;
  const dropped = answer.dropped.length > 0 ? `, ${answer.dropped.length} dropped` : "";
  return (
    <Box flexDirection="column" marginTop={1}>
      <Row>
        <T tone="accent">─ </T>
        <T tone="bold">
          {answer.citations.length === 0
            ? `no answer: no citation survived${dropped}`
            : `final answer · ${answer.citations.length} citation${answer.citations.length === 1 ? "" : "s"} (${verified} verified)${dropped}`}
        </T>
      </Row>
      {answer.explanation.trim() ? (
        <Box paddingLeft={2}>
          <Text>{answer.explanation.trim()}</Text>
        </Box>
      ) : null}
      {answer.citations.map((c, i) => {
        const shown = citationText(c);
        return (
          <Row key={`a${i}`}>
            {"  "}
            <T tone={shown.verified ? "ok" : "warn"}>{shown.mark}</T> {shown.text}
          </Row>
        );
      })}
      {answer.dropped.map((d, i) => (
        <Row key={`d${i}`}>
          {"  "}
          <T tone="error">✗</T>
          <T tone="dim">
            {" "}
            {d.path}:{d.start}-{d.end} dropped: {d.reason}
          </T>
        </Row>
      ))}
    </Box>
  );
}

function Footer({ state, now }: { state: ViewState; now: number }) {
  const f = footerParts(state, now);
  const failed = state.end && (state.end.partial || state.end.error);
  return (
    <Box
      flexDirection="column"
      marginTop={1}
      borderStyle="single"
      borderBottom={false}
      borderLeft={false}
      borderRight={false}
    >
      <Row>
        <T tone={state.end ? (failed ? "warn" : "ok") : "bold"}>{f.status ?? f.turn}</T>
        <T tone="dim"> · </T>
        {f.tokens}
        <T tone="dim"> · </T>
        {f.elapsed}
        {f.waiting ? (
          <>
            <T tone="dim"> · </T>
            <T tone="warn">{f.waiting}</T>
          </>
        ) : null}
      </Row>
      {state.end?.error ? (
        <Row>
          <T tone="error">error: {state.end.error}</T>
        </Row>
      ) : null}
    </Box>
  );
}

type StaticItem = { key: string; turn?: TurnView };

/** The whole run: static header and finished turns, then the live part. */
export function RunView({ state, now, color }: RunViewProps) {
  const items: StaticItem[] = state.run
    ? [{ key: "header" }, ...doneTurns(state).map((turn) => ({ key: `turn${turn.turn}`, turn }))]
    : [];
  return (
    <ColorContext.Provider value={color}>
      <Static items={items}>
        {(item) => (
          <Box key={item.key}>
            {item.turn ? <Turn turn={item.turn} state={state} now={now} /> : <Header state={state} />}
          </Box>
        )}
      </Static>
      <Box flexDirection="column">
        {openTurns(state).map((turn) => (
          <Turn key={`open${turn.turn}`} turn={turn} state={state} now={now} />
        ))}
        {state.notices.map((n, i) => (
          <Notice key={`g${i}`} notice={n} />
        ))}
        {state.answer ? <Answer answer={state.answer} /> : null}
        <Footer state={state} now={now} />
      </Box>
    </ColorContext.Provider>
  );
}
