/** A JSON-RPC error body for answers given before any MCP message was read (no request id yet). */
export function jsonRpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}
