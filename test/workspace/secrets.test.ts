import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSecretPath, secretMessage } from "../../src/workspace/secrets.js";

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
