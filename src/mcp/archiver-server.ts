import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { registerArchiveResources } from './archive-resources.ts';
import type { Caller } from './caller.ts';
import type { McpDependencies } from './mcp-dependencies.ts';
import { SERVER_INSTRUCTIONS } from './server-instructions.ts';
import type { ToolDefinition } from './tool-definition.ts';
import { invokeTool, refuseUnknownTool } from './tool-invocation.ts';
import { analyzeConversationPatternsTool } from './tools/analyze-conversation-patterns-tool.ts';
import { archiveConversationTool } from './tools/archive-conversation-tool.ts';
import { archiveConversationsTool } from './tools/archive-conversations-tool.ts';
import { archiveAgentTool } from './tools/archive-agent-tool.ts';
import { archiveWorkflowTool } from './tools/archive-workflow-tool.ts';
import { exportArchiveTool } from './tools/export-archive-tool.ts';
import { getArchiveTool } from './tools/get-archive-tool.ts';
import { getJobTool } from './tools/get-job-tool.ts';
import { listArchivesTool } from './tools/list-archives-tool.ts';
import { searchArchivesTool } from './tools/search-archives-tool.ts';
import { searchConversationsTool } from './tools/search-conversations-tool.ts';

export const SERVER_VERSION = '0.1.0';

// Each Server builds an Ajv instance unless given one; over HTTP a server is built per request, so they share this.
const sharedJsonSchemaValidator = new AjvJsonSchemaValidator();

export const archiverTools: readonly ToolDefinition[] = [
  archiveConversationTool,
  archiveConversationsTool,
  archiveAgentTool,
  archiveWorkflowTool,
  analyzeConversationPatternsTool,
  exportArchiveTool,
  getJobTool,
  searchArchivesTool,
  searchConversationsTool,
  listArchivesTool,
  getArchiveTool,
];

/**
 * An MCP server bound to one caller. Cheap to build: over HTTP one is built per request (stateless mode), over
 * stdio one per process.
 */
export function createArchiverServer(deps: McpDependencies, caller: Caller, options: { name: string }): McpServer {
  const server = new McpServer({ name: options.name, version: SERVER_VERSION }, {
    instructions: SERVER_INSTRUCTIONS,
    jsonSchemaValidator: sharedJsonSchemaValidator,
  });
  const byName = new Map(archiverTools.map((tool) => [tool.name, tool]));
  for (const tool of archiverTools) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: tool.annotations },
      (args: unknown) => invokeTool(tool, args, caller, deps),
    );
  }
  // tools/call is answered by invokeTool directly, so that arguments the schema rejects are reported with our
  // messages and audited like every other call (McpServer would reject them before any handler of ours runs).
  // tools/list, with the schemas published above, stays McpServer's.
  server.server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = byName.get(request.params.name);
    if (!tool) return refuseUnknownTool(request.params.name, caller, deps);
    return invokeTool(tool, request.params.arguments, caller, deps);
  });
  registerArchiveResources(server, caller, deps);
  return server;
}
