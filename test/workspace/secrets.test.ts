import assert from "node:assert/strict";
import { describe, it } from "node:test";
import picomatch from "picomatch";
import {
  globListMatcher,
  isSecretPath,
  SECRET_EXCEPTIONS,
  SECRET_NAME_PATTERNS,
  SECRET_PATH_PATTERNS,
  secretMessage,
} from "../../src/workspace/secrets.js";

describe("secret files", () => {
  it("flags environment files, keys and credential files, not their templates", () => {
    for (const p of [
      ".env",
      ".env.local",
      "config/.env.production",
      "prod.env",
      ".envrc",
      "certs/server.pem",
      "tls.key",
      "id_rsa",
      "home/.ssh/id_ed25519",
      "deploy_rsa",
      ".npmrc",
      ".netrc",
      ".pgpass",
      ".git-credentials",
      "credentials.json",
      "client_secret_123.json",
      "service-account-prod.json",
      "secrets.yaml",
      "infra/terraform.tfstate",
      ".aws/credentials",
      "x/.docker/config.json",
      ".kube/config",
      ".ssh/known_hosts",
      "ID_RSA",
      ".ENV",
    ]) {
      assert.equal(isSecretPath(p), true, p);
    }
    for (const p of [
      ".env.example",
      ".env.sample",
      ".env.template",
      "config/.env.dist",
      "id_rsa.pub",
      "keys.ts",
      "src/env.ts",
      "environment.md",
      "secret-santa.md",
      "credentials.md",
      "docker/config.json",
      "key.py",
      "README.md",
      "settings.example",
    ]) {
      assert.equal(isSecretPath(p), false, p);
    }
  });
  it("lets the user allow all secrets, or some", () => {
    assert.equal(isSecretPath(".env", { allowAll: true, allow: [] }), false);
    assert.equal(isSecretPath("config/.env", { allowAll: false, allow: ["config/.env"] }), false);
    assert.equal(isSecretPath(".env", { allowAll: false, allow: ["config/.env"] }), true);
    assert.equal(isSecretPath("a/b/c.pem", { allowAll: false, allow: ["**/*.pem"] }), false);
  });
  it("explains how to allow it", () => {
    assert.equal(
      secretMessage("/r/.env"),
      "/r/.env looks like a secret file (credentials, keys or environment variables); its content is not shown. The user can allow it with `allow_secrets = true` or `secret_allow` in .fastcontext/config.toml.",
    );
  });
});

describe("the secret lists as one expression each", () => {
  // Paths that probe every list: each pattern's own text and spellings near it, dot files and
  // folders, other cases, nested and root-level, and ordinary source files.
  const names = [
    ...SECRET_NAME_PATTERNS,
    ...SECRET_PATH_PATTERNS,
    ...SECRET_EXCEPTIONS,
    ...SECRET_NAME_PATTERNS.map((p) => p.replace(/\*/g, "x")),
    ...SECRET_NAME_PATTERNS.map((p) => p.replace(/\*/g, "").toUpperCase()),
    ...SECRET_EXCEPTIONS.map((p) => p.replace(/\*/g, ".env")),
    ...SECRET_PATH_PATTERNS.map((p) => p.replace(/\*\*\//, "").replace(/\*/g, "id")),
    ...SECRET_PATH_PATTERNS.map((p) => p.replace(/\*\*/, "a/b").replace(/\*/g, ".hidden")),
    "",
    ".",
    "..",
    "env",
    ".env/",
    "a/.env",
    "a/../.env",
    "./.env",
    ".ssh",
    ".ssh/",
    ".ssh/config/x",
    "x.pem/y.ts",
    "src/keys.ts",
    "credentials.ts",
    "id_rsa.pub",
    "README.md",
    "src/app/main.py",
    "deep/er/still/.env.production.local",
  ];
  const corpus = [...new Set([...names, ...names.map((n) => `dir/${n}`), ...names.map((n) => `A/.b/${n}`)])];

  for (const [label, list] of [
    ["names", SECRET_NAME_PATTERNS],
    ["paths", SECRET_PATH_PATTERNS],
    ["exceptions", SECRET_EXCEPTIONS],
  ] as const) {
    it(`${label}: matches exactly what picomatch's list matcher matches`, () => {
      const reference = picomatch(list as string[], { dot: true, nocase: true });
      const joined = globListMatcher(list);
      const differ = corpus.filter((p) => (p === "" ? false : Boolean(reference(p))) !== joined(p));
      assert.deepEqual(differ, []);
      assert.ok(corpus.some((p) => joined(p)) && corpus.some((p) => !joined(p)), "the corpus has both kinds");
    });
  }
});
