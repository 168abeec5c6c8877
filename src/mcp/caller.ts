import { ToolError } from './tool-error.ts';

/** Who is calling: from the bearer token (HTTP) or the configured user (stdio). Never from a tool argument. */
export interface Caller {
  userId: string;
  /** Admin tokens may name another user in the tools that take a `userId`. stdio callers never are. */
  admin: boolean;
  transport: 'http' | 'stdio' | 'memory';
  /** The access token's id (HTTP only), for the audit trail. */
  tokenId?: string;
}

/**
 * The user a `userId` argument may select: absent or the caller's own id is the caller; another user only for an
 * admin. Everyone else gets a clear refusal rather than a silent fallback to their own data.
 */
export function userInScope(caller: Caller, requested: string | undefined): string {
  if (requested === undefined || requested === caller.userId) return caller.userId;
  if (caller.admin) return requested;
  throw new ToolError('invalid_input', 'userId: only an admin token may name another user; leave userId out to use your own');
}
