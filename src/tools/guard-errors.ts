/**
 * The tool result for a file the file guard refused or could not open (Read, and Grep on an
 * explicit file): one message per reason, in the error form the model was trained on.
 */
import type { GuardedOpen } from "../workspace/file-guard.js";
import { secretMessage } from "../workspace/secrets.js";
import type { Workspace } from "../workspace/workspace.js";
import { type ToolOutput, toolError } from "./context.js";

type Refusal = Exclude<GuardedOpen<unknown>, { ok: true }>;

export function guardError(ws: Workspace, refusal: Refusal, display: string): ToolOutput {
  switch (refusal.reason) {
    case "outside":
      return toolError(
        "outside_root",
        `Permission error: \`${display}\` leads outside the working directory \`${ws.root}\`.`,
      );
    case "git":
      return toolError(
        "outside_root",
        `Permission error: \`${display}\` is in a \`.git\` directory, which is never listed, read or searched.`,
      );
    case "secret":
      return toolError("secret", secretMessage(display));
    case "not_file":
      return toolError("not_a_file", `\`${display}\` is not a regular file.`);
    case "changed":
      return toolError("io_error", `\`${display}\` changed while it was being opened; try again.`);
    case "unreadable":
      if (refusal.code === "ENOENT") return toolError("not_found", `\`${display}\` does not exist.`);
      if (refusal.code === "EACCES" || refusal.code === "EPERM")
        return toolError("io_error", `permission denied reading \`${display}\`.`);
      if (refusal.code === "EISDIR") return toolError("not_a_file", `\`${display}\` is a directory, not a file.`);
      if (refusal.code === "ENAMETOOLONG")
        return toolError("io_error", `\`${display}\` is longer than the system's path limit (PATH_MAX).`);
      return toolError("io_error", `\`${display}\` could not be read (${refusal.code}).`);
  }
}
