/**
 * A small real MCP server over stdio, for the gateway tests: a notes store whose every
 * tool call is appended to a log file (argv[2]) as one JSON line, so a test can tell
 * exactly what reached the upstream and what never did. Run with Node 22 (type stripping).
 */
import { appendFileSync } from 'node:fs';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const logFile = process.argv[2];
if (!logFile) throw new Error('usage: mcp-fixture-server.ts <call-log-file>');
const record = (tool: string, args: unknown) => appendFileSync(logFile, `${JSON.stringify({ tool, args, at: Date.now() })}\n`);

const notes = new Map<string, string>([['hello', 'hello world']]);
const server = new McpServer({ name: 'notes-fixture', version: '1.2.3' }, { capabilities: { logging: {} }, instructions: 'A notes store for tests.' });

server.registerTool('read_note', { description: 'Read a note', inputSchema: { name: z.string() }, annotations: { readOnlyHint: true, openWorldHint: false } }, async ({ name }) => {
  record('read_note', { name });
  return { content: [{ type: 'text', text: notes.get(name) ?? `no note ${name}` }] };
});

server.registerTool('delete_note', { description: 'Delete a note', inputSchema: { name: z.string() }, annotations: { destructiveHint: true } }, async ({ name }) => {
  record('delete_note', { name });
  const had = notes.delete(name);
  return { content: [{ type: 'text', text: had ? `deleted ${name}` : `no note ${name}` }] };
});

server.registerTool('write_note', { description: 'Write a note', inputSchema: { name: z.string(), text: z.string() }, annotations: { destructiveHint: false } }, async ({ name, text }, extra) => {
  record('write_note', { name, text });
  const token = extra._meta?.progressToken;
  if (token !== undefined) {
    await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 1, message: 'written' } });
    // The SDK handles a notification a microtask after a response read in the same chunk, and
    // drops progress whose request has ended: a real tool's progress comes before its end.
    await new Promise((r) => setTimeout(r, 100));
  }
  notes.set(name, text);
  return { content: [{ type: 'text', text: `wrote ${name}: ${text}` }] };
});

server.registerTool('fail_note', { description: 'Always fails', inputSchema: { name: z.string() } }, async ({ name }) => {
  record('fail_note', { name });
  return { content: [{ type: 'text', text: `cannot touch ${name}` }], isError: true };
});

server.registerTool('crash', { description: 'Exits the server mid-call', inputSchema: {} }, async () => {
  record('crash', {});
  setTimeout(() => process.exit(3), 5);
  return new Promise<never>(() => {});
});

server.registerResource('note', new ResourceTemplate('note://{name}', { list: undefined }), { description: 'A note' }, async (uri, { name }) => {
  record('resource', { uri: uri.href });
  return { contents: [{ uri: uri.href, text: notes.get(String(name)) ?? '' }] };
});

server.registerPrompt('summarize', { description: 'Summarize a note', argsSchema: { name: z.string() } }, ({ name }) => ({
  messages: [{ role: 'user', content: { type: 'text', text: `Summarize the note ${name}` } }],
}));

await server.connect(new StdioServerTransport());
