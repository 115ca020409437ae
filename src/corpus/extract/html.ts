/**
 * HTML → text with its line structure: scripts, styles and comments dropped, block elements become
 * line breaks, entities decoded, the `<title>` (or first `<h1>`) kept as the title. A small
 * tag-stripper, not a DOM: documentation pages need their words, not their layout. Pure.
 */

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  copy: "©",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

const BLOCK =
  /<\/?(?:p|div|br|hr|li|ul|ol|tr|table|section|article|header|footer|nav|aside|main|pre|blockquote|dd|dt|dl|figure|figcaption|h[1-6])\b[^>]*>/gi;

export function htmlToText(html: string): { text: string; title?: string } {
  const titleMatch = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  const title = titleMatch ? decodeEntities((titleMatch[1] ?? "").replace(/<[^>]+>/g, "")).trim() : undefined;
  let text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style|noscript|template|svg|head)\b[\s\S]*?<\/\1>/gi, "")
    // Headings keep their level as Markdown, so the chunker breaks before them.
    .replace(/<h([1-6])\b[^>]*>/gi, (_m, level: string) => `\n\n${"#".repeat(Number(level))} `)
    .replace(BLOCK, "\n")
    .replace(/<[^>]+>/g, "");
  text = decodeEntities(text)
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return title ? { text, title } : { text };
}
