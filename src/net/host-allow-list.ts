const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', ''];

/**
 * The Host header names a server accepts (DNS-rebinding protection): loopback names, the configured extra names
 * (MCP_ALLOWED_HOSTS), and the listen address itself when it is a specific one. Every HTTP server of the service
 * (MCP, worker health and metrics, dashboard) checks every request against its list.
 */
export function allowedHostnames(listenHost: string, extraHosts: readonly string[]): string[] {
  const names = [...LOOPBACK_HOSTNAMES, ...extraHosts];
  if (!WILDCARD_HOSTS.includes(listenHost)) names.push(listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost);
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/** Why a request with this Host header is refused, or undefined when its hostname (any port) is allowed. */
export function hostRefusal(hostHeader: string | undefined | null, allowed: readonly string[]): string | undefined {
  if (!hostHeader) return 'missing Host header';
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return 'invalid Host header';
  }
  return allowed.includes(hostname) ? undefined : `host not allowed: ${hostname.slice(0, 100)}`;
}
