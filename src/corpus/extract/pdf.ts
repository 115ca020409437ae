/**
 * PDF → text with unpdf (a serverless build of PDF.js, 2.6 MB, no native parts), pages separated
 * by blank lines. Loaded only when a PDF is met, so indexing text corpora never pays for it.
 */

export async function pdfToText(bytes: Uint8Array): Promise<{ text: string; title?: string }> {
  const { extractText, getDocumentProxy, getMeta } = await import("unpdf");
  const pdf = await getDocumentProxy(bytes);
  try {
    const { text } = await extractText(pdf, { mergePages: false });
    const pages = (Array.isArray(text) ? text : [text]).map((page) => page.trim());
    let title: string | undefined;
    try {
      const meta = await getMeta(pdf);
      const raw = (meta.info as Record<string, unknown> | undefined)?.Title;
      if (typeof raw === "string" && raw.trim() !== "") title = raw.trim();
    } catch {
      // Metadata is optional; the file name stands in.
    }
    return { text: pages.join("\n\n"), ...(title ? { title } : {}) };
  } finally {
    // Frees PDF.js's worker-side state (not in unpdf's declared type).
    await (pdf as { destroy?: () => Promise<void> }).destroy?.();
  }
}
