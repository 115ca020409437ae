/** The doctor's text report: one row per check, the fix under each one that did not pass. */
import type { Check, DoctorReport } from "./types.js";

const LABEL: Record<Check["status"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL", skip: "skip" };
const COLOR: Record<Check["status"], string> = { ok: "32", warn: "33", fail: "31", skip: "2" };

/** One check as text (two lines when there is a fix). */
export function renderCheck(check: Check, color = false): string {
  const label = color ? `\u001b[${COLOR[check.status]}m${LABEL[check.status]}\u001b[0m` : LABEL[check.status];
  const head = `  ${label}  ${check.name.padEnd(15)} ${check.detail}`;
  return check.fix && (check.status === "warn" || check.status === "fail")
    ? `${head}\n${" ".repeat(23)}fix: ${check.fix}`
    : head;
}

/** The heading line of the report. */
export function renderHeading(report: Pick<DoctorReport, "baseUrl" | "model" | "profile">): string {
  return `fastcontext doctor · ${report.baseUrl ?? "no endpoint"}${report.model ? ` · model ${report.model}` : ""} · profile ${report.profile}`;
}

/** The closing summary line (with the model and profile the checks used). */
export function renderSummary(report: DoctorReport): string {
  const used = report.model
    ? `checked ${report.model} with the ${report.profile} profile${report.server ? ` on ${report.server}` : ""}\n`
    : "";
  return `${used}${verdict(report)}`;
}

function verdict(report: DoctorReport): string {
  const fails = report.checks.filter((c) => c.status === "fail").length;
  const warns = report.checks.filter((c) => c.status === "warn").length;
  if (fails === 0 && warns === 0) return "all checks passed";
  const parts = [fails ? `${fails} failed` : "", warns ? `${warns} warning${warns === 1 ? "" : "s"}` : ""].filter(
    Boolean,
  );
  return `${parts.join(", ")}: apply the fixes above${fails ? "" : " (fastcontext will still run)"}`;
}
