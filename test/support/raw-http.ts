import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request to the MCP HTTP endpoint as a client sends it (a JSON body; JSON or an event stream accepted), made with
 * node:http so the test controls every header and byte. The server may answer (413, 401) and close before the whole
 * body is sent: a broken pipe is then no error, only a close without any answer is.
 */
export function rawMcpRequest(url: string | URL, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let answered = false;
    let failure: Error | undefined;
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: options.method ?? 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...options.headers },
      },
      (response) => {
        answered = true;
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
        response.on('error', reject);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') failure = error;
      else reject(error);
    });
    request.on('close', () => {
      if (!answered) reject(failure ?? new Error(`${target.pathname}: closed without an answer`));
    });
    request.end(options.body);
  });
}
