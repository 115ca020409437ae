/**
 * `install` as a plan and an apply step: `planInstall` reads the client's file and computes the
 * merged text (no writes); `applyInstall` writes it — atomically, keeping the file's mode, and
 * after copying the original to `<file>.bak-<timestamp>`. An unchanged file is not touched (no
 * write, no backup), which makes a second run a no-op.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { CLIENTS, type ClientId, type EntryInput, type InstallPlaces, type Scope } from "./clients.js";
import { unifiedDiff } from "./diff.js";
import { mergeJsonConfig } from "./json-edit.js";
import { mergeTomlConfig } from "./toml-edit.js";

export interface InstallRequest {
  client: ClientId;
  scope: Scope;
  name: string;
  entry: EntryInput;
  places: InstallPlaces;
  /** Rewrite a JSONC file as plain JSON (its comments are lost; the backup keeps them). */
  force?: boolean;
}

export interface InstallPlan {
  file: string;
  /** null when the file does not exist yet. */
  oldText: string | null;
  newText: string;
  changed: boolean;
  diff: string;
}

export interface InstallOutcome extends InstallPlan {
  /** The backup written, when an existing file was changed. */
  backup?: string;
}

/** Compute the change without writing anything (throws MergeRefusal for files it will not edit). */
export function planInstall(request: InstallRequest): InstallPlan {
  const spec = CLIENTS[request.client];
  const file = spec.file(request.scope, request.places);
  const oldText = existsSync(file) ? readFileSync(file, "utf8") : null;
  let newText: string;
  if (spec.format === "toml") {
    newText = mergeTomlConfig(oldText, {
      file,
      section: spec.section,
      name: request.name,
      entry: spec.entry(request.entry),
    });
  } else {
    newText = mergeJsonConfig(oldText, {
      file,
      path: spec.path,
      name: request.name,
      entry: spec.entry(request.entry),
      ...(spec.newFileHeader ? { newFileHeader: spec.newFileHeader } : {}),
      ...(spec.layout ? { layout: spec.layout } : {}),
      ...(request.force ? { allowCommentLoss: true } : {}),
    });
  }
  const changed = newText !== oldText;
  return {
    file,
    oldText,
    newText,
    changed,
    diff: changed ? unifiedDiff(oldText ?? "", newText, oldText === null ? "/dev/null" : file, file) : "",
  };
}

/** A timestamp usable in a file name (UTC, no colons). */
export function backupStamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** Write a plan: backup first, then an atomic replace that keeps the original mode. */
export function applyInstall(plan: InstallPlan, options: { secretEnv?: boolean; now?: Date } = {}): InstallOutcome {
  if (!plan.changed) return plan;
  mkdirSync(dirname(plan.file), { recursive: true });
  let backup: string | undefined;
  let mode = options.secretEnv ? 0o600 : 0o644;
  if (plan.oldText !== null) {
    mode = statSync(plan.file).mode & 0o777;
    backup = `${plan.file}.bak-${backupStamp(options.now)}`;
    for (let n = 2; existsSync(backup); n++) backup = `${plan.file}.bak-${backupStamp(options.now)}-${n}`;
    copyFileSync(plan.file, backup);
  }
  // A symlinked config (dotfile managers) is written through, not replaced by a regular file.
  const target = plan.oldText !== null ? realpathSync(plan.file) : plan.file;
  const tmp = `${target}.tmp-${process.pid}`;
  writeFileSync(tmp, plan.newText, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, target);
  return { ...plan, ...(backup ? { backup } : {}) };
}
