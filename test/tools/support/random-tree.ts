/**
 * Seeded random repository trees for the Grep differential tests: nested .gitignore / .ignore
 * files with negations, hidden files, binaries, CRLF and BOM files, unicode names, long lines,
 * invalid UTF-8, symlinks inside and out of the root (and a loop). Same seed → same tree.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** mulberry32: small, fast, good enough for fixtures. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "alpha",
  "beta",
  "gamma",
  "delta",
  "foo",
  "bar",
  "Foo",
  "FOO",
  "foobar",
  "baz_qux",
  "café",
  "naïve",
  "日本語",
  "λx",
  "-dash",
  "--flag",
  "TODO",
  "fixme",
  "FIXME",
  "x1",
  "42",
  "3.14",
  "a+b",
  "(paren)",
  "{brace}",
  "[br]",
  "$var",
  "^caret",
  "return",
  "function",
  "def",
  "class",
  "import",
  "error",
  "Error",
  "ERROR",
  "aaaa",
  "ab",
  "tab\tsep",
  "interface{}",
];
const DIRS = [
  "src",
  "lib",
  "src/sub",
  "src/sub/deep",
  "build",
  "gen",
  "docs",
  ".config",
  "unicodé",
  "spa ce",
  "logs",
  "pkg/gen",
  "vendor",
];
const NAMES = [
  "index",
  "util",
  "main",
  "README",
  "notes",
  "data",
  "keep",
  "important",
  "rootonly",
  "Makefile",
  "x",
  "ÿname",
  "é",
];
const EXTS = [".ts", ".js", ".py", ".rs", ".md", ".txt", ".log", ".json", ".go", ".tmp", ""];

export interface TreeSpec {
  files: Map<string, Buffer>;
  symlinks: Map<string, string>;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function line(r: () => number): string {
  const n = 1 + Math.floor(r() * 8);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(pick(r, WORDS));
  const indent = r() < 0.3 ? "    " : "";
  return indent + parts.join(pick(r, [" ", " ", " ", ", ", "(", ".", " = "]));
}

function textFile(r: () => number): Buffer {
  const lines: string[] = [];
  const n = Math.floor(r() * 30);
  for (let i = 0; i < n; i++) {
    const roll = r();
    if (roll < 0.08) lines.push("");
    else if (roll < 0.12)
      lines.push(`${"q".repeat(480 + Math.floor(r() * 400))} foo needle ${"z".repeat(Math.floor(r() * 200))}`);
    else lines.push(line(r));
  }
  const eol = r() < 0.2 ? "\r\n" : "\n";
  let body = lines.join(eol);
  if (n > 0 && r() < 0.8) body += eol;
  if (r() < 0.05) body = `\ufeff${body}`;
  return Buffer.from(body, "utf8");
}

/** A deterministic random tree; `outside` is an absolute directory the outward links point into. */
export function randomTree(seed: number, outside: string): TreeSpec {
  const r = rng(seed);
  const files = new Map<string, Buffer>();
  const symlinks = new Map<string, string>();
  const dirs = ["", ...DIRS.filter(() => r() < 0.8)];
  for (const dir of dirs) {
    const count = 1 + Math.floor(r() * 6);
    for (let i = 0; i < count; i++) {
      const hidden = r() < 0.12 ? "." : "";
      const name = `${hidden}${pick(r, NAMES)}${pick(r, EXTS)}`;
      files.set(dir === "" ? name : `${dir}/${name}`, textFile(r));
    }
  }
  const under = (d: string, name: string) => (d === "" ? name : `${d}/${name}`);
  // Binaries: a NUL early, a NUL after a match and past the 8 KiB sniff window.
  files.set(
    under(pick(r, dirs), "blob.bin"),
    Buffer.concat([Buffer.from("foo alpha\n"), Buffer.from([0, 1, 2]), Buffer.from("foo\n")]),
  );
  files.set(
    under(pick(r, dirs), "late.dat"),
    Buffer.concat([Buffer.from("foo late\n"), Buffer.alloc(9000, 0x61), Buffer.from("\nfoo\0\n")]),
  );
  // Invalid UTF-8 around plain ASCII words (ripgrep shows U+FFFD for the bad bytes, as we do).
  files.set(
    under(pick(r, dirs), "latin1.txt"),
    Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x66, 0x6f, 0x6f, 0x0a, 0x62, 0x61, 0x72, 0x0a]),
  );
  files.set(under(pick(r, dirs), "keep.log"), Buffer.from("foo kept log\n"));
  files.set(under(pick(r, dirs), "important.tmp"), Buffer.from("foo important\n"));
  files.set("rootonly.txt", Buffer.from("foo at root\n"));
  // Ignore files: root .gitignore with negations, nested ones that override it, .ignore files.
  files.set(
    ".gitignore",
    Buffer.from(
      ["# generated", "*.log", "!keep.log", "build/", "/rootonly.txt", "*.tmp", "!important.tmp", "vendor", ""].join(
        "\n",
      ),
    ),
  );
  if (dirs.includes("src"))
    files.set("src/.gitignore", Buffer.from(r() < 0.5 ? "!*.log\n/sub/deep/\n" : "*.md\n!README.md\n"));
  if (dirs.includes("src/sub")) files.set("src/sub/.ignore", Buffer.from("*.py\n!util.py\n"));
  if (dirs.includes("pkg/gen")) files.set("pkg/.gitignore", Buffer.from("gen/\n"));
  if (r() < 0.5) files.set(".ignore", Buffer.from("docs/*.txt\n"));
  // Symlinks: a file and a directory inside the root, both out of it, a chain out, and a loop.
  const someFile = [...files.keys()].find((f) => f.startsWith("lib/") && !f.endsWith(".bin")) ?? "rootonly.txt";
  symlinks.set("link-file.ts", someFile);
  if (dirs.includes("src/sub")) symlinks.set("linkdir", "src/sub");
  symlinks.set("out-file.txt", join(outside, "sentinel.txt"));
  symlinks.set("out-dir", outside);
  symlinks.set("chain1", "chain2");
  symlinks.set("chain2", outside);
  if (dirs.includes("lib")) symlinks.set("lib/loop", "..");
  return { files, symlinks };
}

export function writeTree(root: string, spec: TreeSpec): void {
  for (const [rel, content] of spec.files) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  for (const [rel, target] of spec.symlinks) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    symlinkSync(target, join(root, rel));
  }
}
