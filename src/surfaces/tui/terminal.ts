/**
 * What the terminal allows: whether a stream can host the live view, and whether to use colour.
 * NO_COLOR (https://no-color.org) turns colour off; FORCE_COLOR turns it on (or off with 0/false)
 * and wins over NO_COLOR, the convention chalk and Node follow.
 */

/** True when `stream` is an interactive terminal the live view can redraw. */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** Whether to colour output written to `stream`. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === "0" || force.toLowerCase() === "false");
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return isInteractive(stream, env);
}
