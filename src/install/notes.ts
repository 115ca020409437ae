/**
 * The texts shipped in `assets/skills/`: the delegation note for AGENTS.md / CLAUDE.md (printed
 * after `install`) and the bash-level skill for agents that only run shell commands.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./launcher.js";

export type SkillText = "delegation" | "bash-skill";

/** Path of a shipped skill text. */
export function skillPath(name: SkillText): string {
  return join(packageRoot(), "assets", "skills", `${name}.md`);
}

/** The text of a shipped skill file. */
export function readSkill(name: SkillText): string {
  return readFileSync(skillPath(name), "utf8");
}
