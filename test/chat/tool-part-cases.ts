import type { ToolStatus } from '../../src/chat/message-part.ts';

// Tool parts as rows may hold them, with what the one reader makes of each. The pattern analysis SQL is tested on the
// same table (test/worker/tool-part-classification.test.ts), so the two classifications cannot drift apart.
// `expected: null` = not a tool call (skipped as an unknown part). Names are unique per case where the part allows, so
// an aggregate by name shows which case disagrees.

export interface ToolPartCase {
  readonly label: string;
  readonly part: unknown;
  readonly expected: { readonly name: string; readonly status: ToolStatus } | null;
}

const mcpResult = (isError: unknown) => ({ content: [{ type: 'text', text: 'result' }], isError });

export const toolPartCases: readonly ToolPartCase[] = [
  { label: 'v5 output-available', part: { type: 'tool-a1', state: 'output-available', input: {}, output: { ok: 1 } }, expected: { name: 'a1', status: 'done' } },
  { label: 'v5 output-available with isError', part: { type: 'tool-a2', state: 'output-available', input: {}, output: mcpResult(true) }, expected: { name: 'a2', status: 'error' } },
  { label: 'v5 isError false', part: { type: 'tool-a3', state: 'output-available', output: mcpResult(false) }, expected: { name: 'a3', status: 'done' } },
  { label: 'v5 isError as a string', part: { type: 'tool-a4', state: 'output-available', output: mcpResult('true') }, expected: { name: 'a4', status: 'done' } },
  { label: 'v5 output-error', part: { type: 'tool-a5', state: 'output-error', errorText: 'boom' }, expected: { name: 'a5', status: 'error' } },
  { label: 'v5 output-error without text', part: { type: 'tool-a6', state: 'output-error' }, expected: { name: 'a6', status: 'error' } },
  { label: 'v5 error text on an available output', part: { type: 'tool-a7', state: 'output-available', output: 1, errorText: 'late failure' }, expected: { name: 'a7', status: 'error' } },
  { label: 'v5 empty error text', part: { type: 'tool-a8', state: 'output-available', output: 1, errorText: '' }, expected: { name: 'a8', status: 'done' } },
  { label: 'v5 non-string error text', part: { type: 'tool-a9', state: 'output-available', output: 1, errorText: 404 }, expected: { name: 'a9', status: 'done' } },
  { label: 'v5 input-available', part: { type: 'tool-b1', state: 'input-available', input: { q: 1 } }, expected: { name: 'b1', status: 'no result' } },
  { label: 'v5 input-streaming', part: { type: 'tool-b2', state: 'input-streaming', input: { q: 1 } }, expected: { name: 'b2', status: 'incomplete' } },
  { label: 'v5 no state, output', part: { type: 'tool-b3', output: 'x' }, expected: { name: 'b3', status: 'done' } },
  { label: 'v5 no state, no output', part: { type: 'tool-b4' }, expected: { name: 'b4', status: 'unknown state' } },
  { label: 'v5 output is an array with isError', part: { type: 'tool-b5', state: 'output-available', output: [{ isError: true }] }, expected: { name: 'b5', status: 'done' } },
  { label: 'v5 state not a string', part: { type: 'tool-b6', state: ['output-error'], output: null }, expected: { name: 'b6', status: 'done' } },
  { label: 'dynamic tool', part: { type: 'dynamic-tool', toolName: 'c1', state: 'output-available', output: 1 }, expected: { name: 'c1', status: 'done' } },
  { label: 'dynamic tool with isError', part: { type: 'dynamic-tool', toolName: 'c2', state: 'output-available', output: mcpResult(true) }, expected: { name: 'c2', status: 'error' } },
  { label: 'dynamic tool without a name', part: { type: 'dynamic-tool', state: 'output-error', errorText: 'x' }, expected: { name: 'dynamic-tool', status: 'error' } },
  { label: 'dynamic tool with an empty name', part: { type: 'dynamic-tool', toolName: '', state: 'output-available', output: 1 }, expected: { name: 'dynamic-tool', status: 'done' } },
  { label: 'v4 result', part: { type: 'tool-invocation', toolInvocation: { state: 'result', toolName: 'd1', args: {}, result: 2 } }, expected: { name: 'd1', status: 'done' } },
  { label: 'v4 result with isError', part: { type: 'tool-invocation', toolInvocation: { state: 'result', toolName: 'd2', result: mcpResult(true) } }, expected: { name: 'd2', status: 'error' } },
  { label: 'v4 call', part: { type: 'tool-invocation', toolInvocation: { state: 'call', toolName: 'd3', args: {} } }, expected: { name: 'd3', status: 'no result' } },
  { label: 'v4 partial-call', part: { type: 'tool-invocation', toolInvocation: { state: 'partial-call', toolName: 'd4' } }, expected: { name: 'd4', status: 'incomplete' } },
  { label: 'v4 part-level error fields are not v4', part: { type: 'tool-invocation', state: 'output-error', toolInvocation: { state: 'result', toolName: 'd5', result: 1 } }, expected: { name: 'd5', status: 'done' } },
  { label: 'v4 without a tool name', part: { type: 'tool-invocation', toolInvocation: { state: 'result', result: 1 } }, expected: null },
  { label: 'v4 with a numeric tool name', part: { type: 'tool-invocation', toolInvocation: { state: 'result', toolName: 7 } }, expected: null },
  { label: 'v4 invocation not an object', part: { type: 'tool-invocation', toolInvocation: 'call' }, expected: null },
  { label: 'v4 invocation null', part: { type: 'tool-invocation', toolInvocation: null }, expected: null },
  { label: 'v5 tool named "invocation"', part: { type: 'tool-invocation', state: 'output-available', output: mcpResult(true) }, expected: { name: 'invocation', status: 'error' } },
  { label: 'bare tool- prefix', part: { type: 'tool-', state: 'output-available' }, expected: null },
  { label: 'type not a string', part: { type: 5, state: 'output-error' }, expected: null },
  { label: 'upper-case prefix', part: { type: 'TOOL-e1', state: 'output-error' }, expected: null },
  { label: 'not an object', part: ['tool-e2'], expected: null },
  { label: 'long name cut by code points', part: { type: `tool-${'😀'.repeat(130)}`, state: 'output-error' }, expected: { name: '😀'.repeat(128), status: 'error' } },
];
