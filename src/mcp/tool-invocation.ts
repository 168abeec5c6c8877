import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { runAudited } from './audited-operation.ts';
import { bounded } from './text-checks.ts';
import type { Caller } from './caller.ts';
import type { McpDependencies } from './mcp-dependencies.ts';
import type { ToolDefinition } from './tool-definition.ts';
import { ToolError } from './tool-error.ts';
import { newFence } from './untrusted-content.ts';

const MAX_REPORTED_ISSUES = 5;
/** Issue messages may quote what the caller sent (an unknown key): never echo more than this. */
const MAX_ISSUE_CHARS = 160;
const MAX_PATH_SEGMENT_CHARS = 64;

/**
 * The one place a tool call runs: parse the arguments, run the tool, check its output; failures become an `isError`
 * result with a safe message (see runAudited). Tools never see unparsed input.
 */
export async function invokeTool(tool: ToolDefinition, args: unknown, caller: Caller, deps: McpDependencies): Promise<CallToolResult> {
  const result = await runAudited({ operation: tool.name, caller, deps, expensive: tool.expensive ?? false }, async (notes, log, auditOkIn, okAuditRow) => {
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      notes.detail = { invalidArguments: [...new Set(parsed.error.issues.map((i) => issuePath(i) || '(arguments)'))] };
      throw new ToolError('invalid_input', describeIssues(parsed.error.issues));
    }
    const jobId = stringField(parsed.data, 'jobId');
    if (jobId) notes.jobId = jobId;
    const output = await tool.run(parsed.data, { caller, deps, log, auditOkIn, okAuditRow, fence: newFence() });
    const checked = tool.output.safeParse(output);
    if (!checked.success) throw new Error(`output of ${tool.name} does not match its schema: ${describeIssues(checked.error.issues)}`);
    const madeJob = stringField(checked.data, 'jobId');
    if (madeJob) notes.jobId = madeJob;
    return checked.data as Record<string, unknown>;
  });
  if (!result.ok) return errorResult(result.failure.message);
  const links = tool.resourceLinks?.(result.value as never) ?? [];
  return { content: [{ type: 'text', text: JSON.stringify(result.value) }, ...links], structuredContent: result.value };
}

/** A call of a tool this server does not have: refused like bad input, and audited like every call. */
export async function refuseUnknownTool(name: string, caller: Caller, deps: McpDependencies): Promise<CallToolResult> {
  const shown = bounded(name, 64);
  const result = await runAudited({ operation: 'unknown_tool', caller, deps }, async (notes) => {
    notes.detail = { tool: shown };
    throw new ToolError('invalid_input', `unknown tool ${JSON.stringify(shown)}; see tools/list`);
  });
  return errorResult(result.ok ? 'unknown tool' : result.failure.message);
}

function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** `threadId: expected a uuid; name: must not be empty` — argument paths with zod's (or our) messages. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => {
    const where = issuePath(issue) || 'arguments';
    const message = issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'is required' : issue.message;
    return `${where}: ${bounded(message, MAX_ISSUE_CHARS)}`;
  });
  if (issues.length > MAX_REPORTED_ISSUES) parts.push(`and ${issues.length - MAX_REPORTED_ISSUES} more`);
  return `invalid arguments — ${parts.join('; ')}`;
}

function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.map((segment) => bounded(String(segment), MAX_PATH_SEGMENT_CHARS)).join('.');
}

function stringField(value: unknown, key: string): string | undefined {
  const field = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof field === 'string' ? field : undefined;
}
