import type { ResourceLink, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { AuditOkIn, OkAuditRow } from './audited-operation.ts';
import type { Caller } from './caller.ts';
import type { McpDependencies } from './mcp-dependencies.ts';
import type { Fence } from './untrusted-content.ts';

export interface ToolContext {
  caller: Caller;
  deps: McpDependencies;
  /** A child logger naming the tool and the caller. */
  log: Logger;
  /** This response's fence: every string of the result that comes from chat data or a user goes inside it. */
  fence: Fence;
  /** Writes the call's `ok` audit row in the tool's own transaction (see AuditOkIn); otherwise it is written after. */
  auditOkIn: AuditOkIn;
  /** The same `ok` row for a statement the tool sends itself (see OkAuditRow). */
  okAuditRow: OkAuditRow;
}

/**
 * One MCP tool: its published schemas and what it does with input that already parsed. Errors meant for the
 * agent are thrown as ToolError; validation, auditing, timing and error mapping live in tool-invocation.ts.
 */
export interface ToolDefinition<Input extends z.ZodObject = z.ZodObject, Output extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: Input;
  output: Output;
  annotations: ToolAnnotations;
  /** Runs under a permit of the process's expensive-read pool (full-text search, large reads): see deps.expensiveReads. */
  expensive?: boolean;
  run(input: z.output<Input>, context: ToolContext): Promise<z.input<Output>>;
  /** Resources the result points at, added to its content as `resource_link` items (e.g. an export file). */
  resourceLinks?(output: z.output<Output>): ResourceLink[];
}

/** Keeps the schemas' types attached to `run` at the definition site, and erases them for the registry. */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  tool: ToolDefinition<Input, Output>,
): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
