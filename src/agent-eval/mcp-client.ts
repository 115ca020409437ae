/**
 * The MCP client the `mcp` arm drives the server with: the two classes of @modelcontextprotocol/client
 * it uses. `npm run build` bundles this module with the client into dist/ (build/bundle.mjs), so the
 * client SDK (7 MiB of builds and source maps, and its own dependencies) is a dev dependency.
 * A leaf: it imports nothing of ours (the bundle would duplicate it).
 */
export { Client } from "@modelcontextprotocol/client";
export { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
