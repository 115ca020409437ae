/**
 * o200k_base byte-pair encoding (gpt-tokenizer): the one function of that package the counter
 * uses. `npm run build` bundles this module with the encoding's data into dist/ (build/bundle.mjs),
 * so the installed package carries it without gpt-tokenizer's other encodings and module formats.
 * A leaf: it imports nothing of ours (the bundle would duplicate it), and its type names no
 * gpt-tokenizer type (the package is not installed with ours).
 */
import { encode as encodeO200k } from "gpt-tokenizer/encoding/o200k_base";

/** Token ids of `text`; special-token text in `disallowedSpecial` throws, `new Set()` counts it as text. */
export const encode: (text: string, options: { disallowedSpecial: Set<string> }) => number[] = encodeO200k;
