/**
 * Secret files: their content never reaches a model unless the user allows it in config
 * (`allow_secrets = true`, or `secret_allow = ["glob", ...]` for specific files). Listing their
 * names is fine; reading or searching them is refused with a clear message.
 *
 * The list is documented in README ("Secret files") and kept deliberately conservative: files whose
 * whole purpose is to hold credentials, not every config file.
 */
import picomatch from "picomatch";

/** Basename patterns (matched case-insensitively against the file name alone). */
export const SECRET_NAME_PATTERNS: readonly string[] = [
  ".env",
  ".env.*",
  "*.env",
  ".envrc",
  "*.pem",
  "*.key",
  "*.p12",
  "*.pfx",
  "*.jks",
  "*.keystore",
  "*.kdbx",
  "*.gpg",
  "id_rsa",
  "id_dsa",
  "id_ecdsa",
  "id_ed25519",
  "*_rsa",
  "*_ed25519",
  ".netrc",
  "_netrc",
  ".npmrc",
  ".pypirc",
  ".pgpass",
  ".git-credentials",
  ".htpasswd",
  "credentials",
  "credentials.json",
  "client_secret*.json",
  "service-account*.json",
  "secrets.yml",
  "secrets.yaml",
  "secrets.json",
  "*.tfstate",
  "*.tfstate.backup",
];

/** Path patterns (relative to the root, any depth) for credentials stored under known folders. */
export const SECRET_PATH_PATTERNS: readonly string[] = [
  "**/.aws/credentials",
  "**/.docker/config.json",
  "**/.ssh/*",
  "**/.kube/config",
];

/** Names that match a secret pattern but are templates meant to be committed. */
export const SECRET_EXCEPTIONS: readonly string[] = [
  ".env.example",
  ".env.sample",
  ".env.template",
  ".env.dist",
  ".env.defaults",
  ".env.schema",
  "*.pub",
  "*.example",
  "*.sample",
  "*.template",
];

const GLOB_OPTIONS = { dot: true, nocase: true } as const;

/**
 * A list of globs as one test, true exactly when picomatch's matcher for the list is: that matcher
 * tries each glob's regular expression in turn (49 for these lists, about 3 µs a path: 0.3 s of
 * one listing of a 100k-file tree, where every path is asked), and the same expressions, each
 * anchored, joined into one alternation are tried once. picomatch also counts an input equal to
 * the glob itself as a match, hence the set of literals.
 */
export function globListMatcher(globs: readonly string[]): (input: string) => boolean {
  const literals = new Set(globs);
  const joined = new RegExp(globs.map((g) => picomatch.makeRe(g, GLOB_OPTIONS).source).join("|"), "i");
  return (input) => input !== "" && (literals.has(input) || joined.test(input));
}

const isSecretName = globListMatcher(SECRET_NAME_PATTERNS);
const matchesSecretPath = globListMatcher(SECRET_PATH_PATTERNS);
const isException = globListMatcher(SECRET_EXCEPTIONS);

export interface SecretPolicy {
  /** Allow every secret file (the user opted in). */
  allowAll: boolean;
  /** Globs (relative to the root) of secret files the user allowed. */
  allow: readonly string[];
}

export const DEFAULT_SECRET_POLICY: SecretPolicy = { allowAll: false, allow: [] };

/** True when `relPath` names a secret file that the policy does not allow. */
export function isSecretPath(relPath: string, policy: SecretPolicy = DEFAULT_SECRET_POLICY): boolean {
  if (policy.allowAll) return false;
  const slash = relPath.lastIndexOf("/");
  const base = slash === -1 ? relPath : relPath.slice(slash + 1);
  if (isException(base)) return false;
  if (!isSecretName(base) && !matchesSecretPath(relPath)) return false;
  if (policy.allow.length > 0 && picomatch(policy.allow as string[], { dot: true })(relPath)) return false;
  return true;
}

/** True when the user allowed `relPath` (every secret, or a `secret_allow` glob that matches it). */
export function isAllowedSecret(relPath: string, policy: SecretPolicy = DEFAULT_SECRET_POLICY): boolean {
  if (policy.allowAll) return true;
  return policy.allow.length > 0 && picomatch(policy.allow as string[], { dot: true })(relPath);
}

export function secretMessage(displayPath: string): string {
  return `${displayPath} looks like a secret file (credentials, keys or environment variables); its content is not shown. The user can allow it with \`allow_secrets = true\` or \`secret_allow\` in .fastcontext/config.toml.`;
}
