/**
 * Base-URL normalization for OpenAI-compatible servers, so users may paste `host:8000`,
 * `http://host:8000/`, `…/v1/` or a full `…/v1/chat/completions` and get the same endpoint.
 */

/**
 * Normalize a base URL: add `http://` when no scheme is given, drop trailing slashes and a trailing
 * `/chat/completions`, and append `/v1` when there is no path at all. An explicit path (`/v1`,
 * `/api/v1`, `/openai/v1`, `/v1beta/openai`…) is kept as given. Query strings (Azure's
 * `api-version`) are kept. Throws a TypeError for a URL that cannot be parsed.
 */
export function normalizeBaseUrl(input: string): string {
  const trimmed = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (error) {
    throw new TypeError(`invalid model server base URL: ${JSON.stringify(input)}`, { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`model server base URL must be http(s): ${JSON.stringify(input)}`);
  }
  let path = url.pathname.replace(/\/+$/, "");
  path = path.replace(/\/chat\/completions$/, "").replace(/\/+$/, "");
  if (path === "") path = "/v1";
  url.pathname = path;
  url.hash = "";
  return url.toString().replace(/\/+(\?|$)/, "$1");
}

/** `base` + `/segment`, keeping any query string of the base at the end. */
export function joinUrl(base: string, segment: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${segment.replace(/^\/+/, "")}`;
  return url.toString();
}

/** The server root: the base without a trailing `/v1` (where llama.cpp serves `/props`). */
export function serverRoot(base: string): string {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "") || "/";
  url.search = "";
  return url.toString().replace(/\/+$/, "");
}

/** The URL with any user:password removed, safe for logs and error messages. */
export function redactUrl(base: string): string {
  try {
    const url = new URL(base);
    if (url.username || url.password) {
      url.username = "";
      url.password = "";
    }
    return url.toString();
  } catch {
    return "<invalid url>";
  }
}
