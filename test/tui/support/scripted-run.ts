/**
 * A small repository and the model replies of a three-turn exploration of it (Grep + Glob, then
 * Read, then the answer), for the live-view tests and the docs capture. Turn 2's reply is slow on
 * purpose so the "waiting on the model" indicator can be seen ticking.
 */
import { type FakeOpenAI, reply } from "../../support/fake-openai-server.js";

export const QUESTION = "where is the session token validated?";

/** The files of the demo repository. */
export const DEMO_FILES: Record<string, string> = {
  "src/auth.ts": [
    "export function validateToken(token: string): boolean {",
    "  if (!token) return false;",
    '  const [user, sig] = token.split(".");',
    '  return sign(user ?? "") === sig;',
    "}",
    "",
    "function sign(value: string): string {",
    '  return value.split("").reverse().join("");',
    "}",
    "",
  ].join("\n"),
  "src/routes.ts": [
    'import { validateToken } from "./auth";',
    "",
    "export function route(token: string): number {",
    "  return validateToken(token) ? 200 : 401;",
    "}",
    "",
  ].join("\n"),
  "README.md": "# demo\n",
};

/** Queue the replies of the scripted run on `server` for a repository at `root`. */
export function scriptRun(server: FakeOpenAI, root: string, options: { slowTurnMs?: number } = {}): void {
  server.enqueue(
    reply()
      .content("Searching for the token check.")
      .toolCall("Grep", { pattern: "validateToken", path: root, output_mode: "content" })
      .toolCall("Glob", { pattern: "src/**/*.ts" })
      .usage(1850, 48)
      .delay(300),
    reply()
      .toolCall("Read", { path: `${root}/src/auth.ts` })
      .usage(2290, 31)
      .delay(options.slowTurnMs ?? 2600),
    reply()
      .content(
        `validateToken in src/auth.ts checks the session token; routes.ts calls it.\n<final_answer>\n${root}/src/auth.ts:1-5 (validates the session token)\n${root}/src/routes.ts:4 (the caller)\n</final_answer>`,
      )
      .usage(2610, 64)
      .delay(300),
  );
}
