/**
 * Stack frames and error locations in free text: Python tracebacks, Node/V8 and Java/Kotlin/C# traces,
 * Go goroutine dumps, Rust panics and backtraces, Ruby/PHP traces, sanitizer and gdb backtraces
 * (`#0 0x4faa0 in f /src/a.c:12:5`) and compiler-style `path:line:col` diagnostics. Frames keep the order the language prints them; `distance` says how far each is from
 * the point where the error was raised (0 = that frame).
 */

/** The trace syntax a frame was recognized by. */
export type FrameLang =
  | "python"
  | "javascript"
  | "java"
  | "go"
  | "rust"
  | "ruby"
  | "php"
  | "c_sharp"
  | "native"
  | "generic";

export interface StackFrame {
  /** Path as printed, with `\` turned into `/` and `file://`-style prefixes removed. */
  path: string;
  /**
   * The part of `path` that may match a repository file: installed-package prefixes
   * (`…/site-packages/`, `…/node_modules/`, `…/pkg/mod/`) removed; Java frames give `pkg/dirs/File.java`.
   */
  repoPath: string;
  line?: number;
  column?: number;
  /** Function as printed, simplified (`Class.method`, `Type.method` for Go/Rust receivers). */
  func?: string;
  lang: FrameLang;
  /** In an installed package, the standard library, the runtime or vendored code. */
  external: boolean;
  /**
   * Application frames (not `external`) between this frame and the error, counted from the error end of
   * its trace: the innermost application frame has 0. Runtime frames the error passed through first
   * (`panic_bounds_check`, `node:internal`) therefore do not push the user's frame away.
   */
  distance: number;
}

const EXTERNAL_PATH =
  /(?:^|\/)(?:site-packages|dist-packages|node_modules|vendor|\.venv|venv|\.tox|\.cargo\/registry|pkg\/mod|bower_components)\/|^<|^node:|^internal\/|\/lib\/python\d(?:\.\d+)?\/(?!site-packages)|^\/usr\/(?:local\/)?(?:lib|include|share)\/|\/rustc\/[0-9a-f]+\/|(?:^|\/)library\/(?:std|core|alloc)\/src\/|\/(?:usr\/local\/)?go\/src\/|^\/opt\/hostedtoolcache\/|\/Frameworks\/|\/jdk[\w.-]*\//;
const EXTERNAL_JAVA =
  /^(?:java|javax|jdk|sun|com\.sun|kotlin|kotlinx\.coroutines|scala|org\.junit|junit|org\.gradle|org\.apache\.maven\.surefire|System|Microsoft)\./;

/** True when `path` points into third-party, runtime or standard-library code. */
export function isExternalPath(path: string): boolean {
  return EXTERNAL_PATH.test(path.replace(/\\/g, "/"));
}

/** Strips prefixes before installed-package roots; the remainder may be this repository's own file. */
export function repoRelative(path: string): string {
  const p = normalizeFramePath(path);
  const m = /^.*\/(?:site-packages|dist-packages|node_modules|pkg\/mod|\.cargo\/registry\/src\/[^/]+)\/(.+)$/.exec(p);
  if (!m) return p;
  // Go module cache entries carry `@version`; cargo registry crates carry `-x.y.z`.
  return m[1]!.replace(/@v?[\d.]+[\w.+-]*(?=\/)/, "").replace(/^([\w-]+?)-\d+\.\d+\.\d+[\w.+-]*\//, "$1/");
}

function normalizeFramePath(path: string): string {
  return path
    .trim()
    .replace(/\\/g, "/")
    .replace(/^(?:file|webpack|webpack-internal):\/{2,3}(?:\.\/)?/, "")
    .replace(/^\/?[A-Za-z]:\//, "/")
    .replace(/^\.\//, "")
    .replace(/\?.*$/, "");
}

type Found = Omit<StackFrame, "distance" | "repoPath" | "external"> & {
  at: number;
  innermostFirst: boolean;
  external?: boolean;
  /** A chained-exception line ("Caused by:", "During handling…") precedes it: a new trace starts. */
  chained?: boolean;
};

const CHAIN =
  /^\s*(?:Caused by:|During handling of the above exception|The above exception was the direct cause|Traceback \(most recent call last\))/;

const num = (s: string | undefined): number | undefined => (s ? Number(s) : undefined);

/** Go `main.(*Server).Start` / Rust `app::server::Server::start::h1234` → `Server.Start` / `Server.start`. */
function simplifyFunc(raw: string): string {
  let f = raw
    .trim()
    .replace(/::h[0-9a-f]{16}$/, "")
    .replace(/\{\{closure\}\}/g, "");
  for (let i = 0; i < 4 && /<[^<>]*>/.test(f); i++) f = f.replace(/<[^<>]*>/g, "");
  f = f
    .replace(/\(\*?(\w+)\)/g, "$1")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/::/g, ".")
    .replace(/\.+$/, "");
  const segs = f.split(/[./]/).filter(Boolean);
  const last = segs[segs.length - 1] ?? f;
  const prev = segs[segs.length - 2];
  return prev && /^[A-Z]/.test(prev) ? `${prev}.${last}` : last;
}

const PY = /^\s*File "([^"]+)", line (\d+)(?:, in ([^\s]+))?/;
const JS = /^\s*at (?:async )?(?:new )?(?:(.+?) \()?((?:[A-Za-z]+:\/\/\/?)?[^\s()]+?):(\d+):(\d+)\)?\s*$/;
const JAVA =
  /^\s*at (?:[\w.$-]+(?:@[\w.-]+)?\/)?((?:[\w$]+\.)+)([\w$<>-]+)\(([^():]*)(?::(\d+))?\)(?: in (.+?):line (\d+))?/;
const GO_LOC = /^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$/;
const RUST_AT = /^\s+at (\S.*?):(\d+)(?::(\d+))?\s*$/;
const RUST_FN = /^\s*\d+:\s+(?:0x[0-9a-f]+ - )?(.+)$/;
const RUST_PANIC = /panicked at (?:'[^]*?', |"[^]*?", )?(\S+?\.rs):(\d+):(\d+)/;
const RUBY = /^\s*(?:from\s+)?(\S+\.rb):(\d+):in [`']([^']+)'/;
const PHP = /^\s*#\d+ (\S+\.php)\((\d+)\): (.+)$/;
/**
 * A numbered native frame, innermost first: AddressSanitizer and the other sanitizers
 * (`#0 0x4faa0 in start /src/a.c:124:5`), gdb (`#1  0x00005555 in parse (p=0x0) at src/a.c:12`).
 */
const NATIVE = /^\s*#\d+\s+0x[0-9a-fA-F]+\s+in\s+(\S+?)(?:\s+\([^)]*\))?\s+(?:at\s+)?(\S+?):(\d+)(?::(\d+))?\s*$/;
const DIAG =
  /(?:^|[\s(['"`])(\/?(?:[\w.@~-]+\/)*[\w.@-]+\.(?:py|pyi|js|jsx|mjs|cjs|ts|tsx|mts|go|rs|java|kt|scala|c|h|cc|cpp|hpp|cs|rb|php|swift))(?::(\d+)(?::(\d+))?|\((\d+),(\d+)\))(?=[:\s,)]|$)/;

/** All frames in `text`, in printed order. */
export function parseStackFrames(text: string): StackFrame[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const found: Found[] = [];
  let chained = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let m: RegExpExecArray | null;
    const before = found.length;
    if (CHAIN.test(line)) chained = true;
    if ((m = PY.exec(line))) {
      const func = m[3] && !m[3].startsWith("<") ? m[3] : undefined;
      found.push({
        path: m[1]!,
        line: num(m[2]),
        ...(func ? { func } : {}),
        lang: "python",
        at: i,
        innermostFirst: false,
      });
    } else if ((m = JAVA.exec(line))) {
      found.push(javaFrame(m, i));
    } else if ((m = RUST_AT.exec(line)) && /\.rs$/.test(m[1]!)) {
      const fn = RUST_FN.exec(lines[i - 1] ?? "")?.[1];
      found.push({
        path: m[1]!,
        line: num(m[2]),
        column: num(m[3]),
        ...(fn ? { func: simplifyFunc(fn) } : {}),
        lang: "rust",
        at: i,
        innermostFirst: true,
      });
    } else if ((m = JS.exec(line))) {
      const func = m[1] && !/^(?:<anonymous>|Object\.<anonymous>)$/.test(m[1]) ? simplifyJsFunc(m[1]) : undefined;
      found.push({
        path: m[2]!,
        line: num(m[3]),
        column: num(m[4]),
        ...(func ? { func } : {}),
        lang: "javascript",
        at: i,
        innermostFirst: true,
      });
    } else if ((m = GO_LOC.exec(line))) {
      const prev = lines[i - 1]?.trim() ?? "";
      const fn = /^((?:[\w.-]+\/)*[\w.()*[\]-]+)\(.*\)$/.exec(prev)?.[1];
      found.push({
        path: m[1]!,
        line: num(m[2]),
        ...(fn ? { func: simplifyFunc(fn) } : {}),
        lang: "go",
        at: i,
        innermostFirst: true,
        ...(fn?.startsWith("runtime.") ? { external: true } : {}),
      });
    } else if ((m = RUST_PANIC.exec(line))) {
      found.push({ path: m[1]!, line: num(m[2]), column: num(m[3]), lang: "rust", at: i, innermostFirst: true });
    } else if ((m = RUBY.exec(line))) {
      found.push({
        path: m[1]!,
        line: num(m[2]),
        func: m[3]!.replace(/^block (?:\(\d+ levels\) )?in /, ""),
        lang: "ruby",
        at: i,
        innermostFirst: true,
      });
    } else if ((m = PHP.exec(line))) {
      const fn = /([\w\\]+)(?:->|::)(\w+)\(/.exec(m[3]!) ?? /(\w+)\(/.exec(m[3]!);
      const func = fn ? (fn[2] ? `${fn[1]!.split("\\").pop()}.${fn[2]}` : fn[1]) : undefined;
      found.push({ path: m[1]!, line: num(m[2]), ...(func ? { func } : {}), lang: "php", at: i, innermostFirst: true });
    } else if ((m = NATIVE.exec(line))) {
      found.push({
        path: m[2]!,
        line: num(m[3]),
        column: num(m[4]),
        func: simplifyFunc(m[1]!.replace(/\(.*$/, "")),
        lang: "native",
        at: i,
        innermostFirst: true,
      });
    } else if ((m = DIAG.exec(line)) && !/https?:\/\//.test(line)) {
      const inFn = /:\d+:?\s+in\s+([A-Za-z_]\w*)/.exec(line)?.[1];
      found.push({
        path: m[1]!,
        line: num(m[2] ?? m[4]),
        column: num(m[3] ?? m[5]),
        ...(inFn ? { func: inFn } : {}),
        lang: "generic",
        at: i,
        innermostFirst: true,
      });
    }
    if (found.length > before && chained) {
      found[before]!.chained = true;
      chained = false;
    }
  }
  return withDistances(found);
}

function simplifyJsFunc(raw: string): string {
  const f = raw.replace(/^Object\./, "").replace(/ \[as \w+\]$/, "");
  const segs = f.split(".");
  return segs.length > 1 ? segs.slice(-2).join(".") : f;
}

function javaFrame(m: RegExpExecArray, at: number): Found {
  const qualified = m[1]!.slice(0, -1); // `com.ex.Outer$Inner`
  const segs = qualified.split(".");
  const cls = segs[segs.length - 1]!;
  const pkg = segs.slice(0, -1);
  const file = m[3] && /\.\w+$/.test(m[3]) ? m[3] : `${cls.split("$")[0]}.java`;
  const csPath = m[5];
  const simpleClass =
    cls
      .split("$")
      .filter((s) => !/^\d+$/.test(s))
      .pop() ?? cls;
  return {
    path: csPath ?? [...pkg, file].join("/"),
    line: num(m[4] ?? m[6]),
    func: `${simpleClass}.${m[2]!.replace(/^lambda\$(\w+)\$\d+$/, "$1")}`,
    lang: csPath ? "c_sharp" : "java",
    at,
    innermostFirst: true,
    ...(EXTERNAL_JAVA.test(qualified) ? { external: true } : {}),
  };
}

/** Groups frames into traces (same syntax, at most 4 lines apart) and numbers them from the error. */
function withDistances(found: Found[]): StackFrame[] {
  const out: StackFrame[] = [];
  let group: Found[] = [];
  const flush = () => {
    const frames = group.map((f): StackFrame => {
      const path = normalizeFramePath(f.path);
      return {
        path,
        repoPath: repoRelative(path),
        ...(f.line !== undefined ? { line: f.line } : {}),
        ...(f.column !== undefined ? { column: f.column } : {}),
        ...(f.func ? { func: f.func } : {}),
        lang: f.lang,
        external: f.external ?? isExternalPath(path),
        distance: 0,
      };
    });
    const fromError = group[0]?.innermostFirst === false ? [...frames].reverse() : frames;
    let app = 0;
    for (const f of fromError) {
      f.distance = group[0]?.lang === "generic" ? 0 : app;
      if (!f.external) app++;
    }
    out.push(...frames);
    group = [];
  };
  for (const f of found) {
    const last = group[group.length - 1];
    if (last && (last.lang !== f.lang || f.at - last.at > 4 || f.chained)) flush();
    group.push(f);
  }
  flush();
  return out;
}
