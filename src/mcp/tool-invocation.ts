import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/database-unavailable.ts';
import { recordAudit } from './audit-trail.ts';
import { bounded } from './text-checks.ts';
import type { Caller } from './caller.ts';
import type { McpDependencies } from './mcp-dependencies.ts';
import type { ToolDefinition } from './tool-definition.ts';
import { ToolError, type ToolOutcome } from './tool-error.ts';

const MAX_REPORTED_ISSUES = 5;
/** Issue messages may quote what the caller sent (an unknown key): never echo more than this. */
const MAX_ISSUE_CHARS = 160;
const MAX_PATH_SEGMENT_CHARS = 64;

/**
 * The one place a tool call runs: parse the arguments, run the tool, check its output, turn every failure into
 * an `isError` result with a safe message, then audit and report the call. Tools never see unparsed input.
 */
export async function invokeTool(tool: ToolDefinition, args: unknown, caller: Caller, deps: McpDependencies): Promise<CallToolResult> {
  const started = performance.now();
  const log = deps.log.child({ tool: tool.name, userId: caller.userId });
  let outcome: ToolOutcome = 'ok';
  let jobId: string | undefined;
  let detail: Record<string, unknown> | undefined;
  try {
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      detail = { invalidArguments: [...new Set(parsed.error.issues.map((i) => issuePath(i) || '(arguments)'))] };
      throw new ToolError('invalid_input', describeIssues(parsed.error.issues));
    }
    jobId = stringField(parsed.data, 'jobId');
    const output = await tool.run(parsed.data, { caller, deps, log });
    const checked = tool.output.safeParse(output);
    if (!checked.success) throw new Error(`output of ${tool.name} does not match its schema: ${describeIssues(checked.error.issues)}`);
    jobId = stringField(checked.data, 'jobId') ?? jobId;
    const links = tool.resourceLinks?.(checked.data) ?? [];
    return {
      content: [{ type: 'text', text: JSON.stringify(checked.data) }, ...links],
      structuredContent: checked.data as Record<string, unknown>,
    };
  } catch (error) {
    if (error instanceof ToolError) {
      outcome = error.outcome;
      return errorResult(error.message);
    }
    if (isStatementTimeout(error)) {
      outcome = 'timeout';
      return errorResult('the request took too long and was cancelled; try again with narrower arguments');
    }
    outcome = 'error';
    if (isDatabaseUnavailable(error)) {
      detail = { databaseUnavailable: true };
      log.warn({ err: error }, 'tool call during a database outage');
      return errorResult(DATABASE_UNAVAILABLE_MESSAGE);
    }
    const reference = randomBytes(4).toString('hex');
    detail = { errorReference: reference };
    log.error({ err: error, errorReference: reference }, 'tool failed');
    return errorResult(`${tool.name} failed on the server (reference ${reference}); try again later`);
  } finally {
    const durationMs = performance.now() - started;
    await recordAudit(deps, { operation: tool.name, caller, outcome, durationMs, ...(jobId ? { jobId } : {}), ...(detail ? { detail } : {}) });
    deps.observer?.onToolCall({ tool: tool.name, userId: caller.userId, durationMs, outcome, ...(jobId ? { jobId } : {}) });
  }
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

export function isStatementTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57014';
}
