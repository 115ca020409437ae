/**
 * The one line-level grammar of definitions that the embedded explorer's searches share: the
 * keywords that introduce a named definition and the modifiers that may stand before one, across
 * the languages it ranks: the planner's search for the query's names (embedded/plan.ts), the
 * concept search for names made of its words (embedded/concepts.ts) and the identifier definition
 * patterns (grep-patterns.ts). They used to keep three diverged lists; the planner's had no Kotlin
 * `fun` and no class methods. Each search decides which forms it reads (see its comment). These are
 * ripgrep- and JavaScript-compatible regex alternations, without groups that capture.
 */

/**
 * Keywords followed by the defined name: Python/Ruby `def`, `class`, JS/PHP `function`, Go/Swift
 * `func`, Kotlin `fun`, Rust `fn`/`impl`/`trait`/`macro_rules!`, Swift `protocol`/`typealias`, C#
 * `namespace`, C/C++ `struct`/`union`/`enum`, and the rest. Not Swift's `extension Foo`: it adds to
 * a type another file defines, and counting it made extension files outrank the definition's.
 */
export const DEFINITION_KEYWORDS =
  "def|class|function|func|fun|fn|interface|type|typealias|struct|union|enum|trait|impl|module|object|record|protocol|namespace|macro_rules!";

/**
 * Modifiers that may stand before a definition keyword (Java, C#, Kotlin, Swift, TS, Rust, PHP):
 * `override suspend fun`, `fileprivate mutating func`, `data class`. Several are common English
 * words (`data`, `value`, `open`, `default`), so they count only where a keyword follows.
 */
export const DEFINITION_MODIFIERS = [
  "export|default|pub(?:\\([^)]*\\))?|async|static|public|private|protected|internal|abstract|final",
  "override|virtual|inline|unsafe|const|synchronized|open|suspend|sealed|partial|readonly|extern",
  "data|inner|companion|operator|infix|tailrec|actual|expect|value|annotation|enum",
  "fileprivate|mutating|nonmutating|convenience|required|dynamic|nonisolated|indirect",
].join("|");

/**
 * Modifiers that start a declaration without a keyword: a run of them, a type and a name with `(`
 * is a method (`public static Foo parse(`, `override Task<int> ParseAsync(`). Only words that are
 * rarely prose before a call: with the whole list above, comments such as "the default value
 * parse(x) returns" read as definitions.
 */
export const METHOD_MODIFIERS =
  "public|private|protected|internal|fileprivate|static|final|override|virtual|abstract|sealed|async|suspend|inline|synchronized|unsafe|extern|export";

/** Attributes and annotations before a definition on its line (`@objc`, `@JvmStatic`, `@Test(x)`). */
export const DEFINITION_ATTRIBUTES = "@[\\w.]+(?:\\([^)]*\\))?";
