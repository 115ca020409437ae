/**
 * ripgrep's stderr, line by line: with `--debug` it names every entry its walker skips for an
 * ignore rule ("ignoring PATH: Ignore(IgnoreMatch(Gitignore(…)))"), which is how the native listing
 * and the index-free Grep learn which entries were ignored without walking the tree themselves.
 * Everything else that is not a debug line is ripgrep's own message (errors), kept up to a cap.
 */

const IGNORED_LINE = /^rg: DEBUG\|ignore::walk\|\S+ ignoring (.+): Ignore\(IgnoreMatch\(Gitignore\(/;
const MAX_MESSAGE_CHARS = 16_384;

export class RipgrepStderr {
  /** Absolute (or as-given) paths ripgrep skipped because an ignore file matched them. */
  readonly ignored: string[] = [];
  private message = "";
  private carry = "";
  /** Error lines such as "… (os error 13)" (unreadable files and directories). */
  osErrors = 0;

  /** Feed a chunk of stderr (UTF-8 text). */
  push(chunk: string): void {
    const text = this.carry + chunk;
    const lines = text.split("\n");
    this.carry = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  /** Flush the last partial line. */
  end(): void {
    if (this.carry !== "") this.line(this.carry);
    this.carry = "";
  }

  private line(line: string): void {
    if (line.startsWith("rg: DEBUG|")) {
      const m = IGNORED_LINE.exec(line);
      if (m) this.ignored.push(m[1]!);
      return;
    }
    if (line.includes("(os error ")) this.osErrors++;
    if (this.message.length < MAX_MESSAGE_CHARS) this.message += `${line}\n`;
  }

  /** ripgrep's own messages (debug lines left out). */
  text(): string {
    return this.message + (this.carry.startsWith("rg: DEBUG|") ? "" : this.carry);
  }
}
