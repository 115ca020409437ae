/** Tool-call ids in the RL rollout's style: `call_` + 8 hex characters. */
import { randomBytes } from "node:crypto";

/** A fresh `call_xxxxxxxx` id. */
export function newCallId(): string {
  return `call_${randomBytes(4).toString("hex")}`;
}
