/**
 * Removes credentials from JSON-like values before anything is written: values under credential-named keys, URL
 * userinfo and credential-named query parameters, bearer tokens, OpenAI-style `sk-` keys, AWS access key ids and
 * JWTs anywhere in a string. Each removal leaves a marker naming what was there, and is reported by path. Pure.
 */

export type RedactionKind =
  | 'header value'
  | 'query value'
  | 'credential field'
  | 'url userinfo'
  | 'url credential parameter'
  | 'bearer token'
  | 'api key'
  | 'aws access key'
  | 'jwt';

export interface Redaction {
  /** Where, as a JSONPath-like string from the value's root: `nodes[2].nodeConfig.headers[0].value`. */
  path: string;
  kind: RedactionKind;
}

export const redactionMarker = (kind: RedactionKind): string => `[redacted ${kind}]`;

/** Field names that name a credential. A bare `key` is not one (HTTP headers are `{key, value}` pairs). */
const CREDENTIAL_FIELD =
  /(^|[^a-z])(api[-_]?key|token|secret|password|passwd|pwd|auth|authorization|signature|credentials?|cookie|private[-_]?key|access[-_]?key|secret[-_]?key)([^a-z]|$)|apikey|apitoken|accesstoken|refreshtoken|authtoken|secretkey|clientsecret|privatekey/i;
/** Query parameter names that name a credential: the field names, plus `key` and `sig` (e.g. `?key=` API keys). */
const CREDENTIAL_PARAMETER = /^(key|sig|code|access_key)$/i;

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_FIELD.test(name);
}

function isCredentialParameter(name: string): boolean {
  return CREDENTIAL_PARAMETER.test(name) || CREDENTIAL_FIELD.test(name);
}

const PATTERNS: { kind: RedactionKind; pattern: RegExp }[] = [
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  { kind: 'bearer token', pattern: /\b(Bearer|Token|Basic)\s+(?!\[redacted)[A-Za-z0-9._~+/=-]{8,}/gi },
  { kind: 'api key', pattern: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}/g },
  { kind: 'aws access key', pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g },
];

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** A string with every credential-looking part replaced, and the kinds removed. */
export function redactText(text: string): { text: string; kinds: RedactionKind[] } {
  const kinds: RedactionKind[] = [];
  let out = text.replace(URL_IN_TEXT, (url) => {
    const cleaned = redactUrl(url);
    kinds.push(...cleaned.kinds);
    return cleaned.url;
  });
  for (const { kind, pattern } of PATTERNS) {
    out = out.replace(pattern, (match, scheme: unknown) => {
      kinds.push(kind);
      return kind === 'bearer token' && typeof scheme === 'string' ? `${scheme} ${redactionMarker(kind)}` : redactionMarker(kind);
    });
  }
  return { text: out, kinds };
}

/** A URL without userinfo and without the values of credential-named query parameters. */
export function redactUrl(url: string): { url: string; kinds: RedactionKind[] } {
  const kinds: RedactionKind[] = [];
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]+)@/i, (_m, scheme: string) => {
    kinds.push('url userinfo');
    return `${scheme}${encodeURIComponent(redactionMarker('url userinfo'))}@`;
  });
  out = out.replace(/([?&;])([^=&#;]+)=([^&#;]*)/g, (match, sep: string, name: string, value: string) => {
    if (!value || !isCredentialParameter(safeDecode(name))) return match;
    kinds.push('url credential parameter');
    return `${sep}${name}=${encodeURIComponent(redactionMarker('url credential parameter'))}`;
  });
  return { url: out, kinds };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A deep copy of `value` with credentials removed. `rules` replace whole values at chosen places first (header and
 * query values of HTTP nodes); then every string is scanned, and string values under credential-named keys removed.
 */
export function redactSecrets<T>(value: T, rules: { wholeValue?(path: readonly (string | number)[]): RedactionKind | undefined } = {}): { value: T; redactions: Redaction[] } {
  const redactions: Redaction[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    const forced = path.length > 0 ? rules.wholeValue?.(path) : undefined;
    if (forced && typeof node === 'string' && node !== '') {
      redactions.push({ path: formatPath(path), kind: forced });
      return redactionMarker(forced);
    }
    if (typeof node === 'string') {
      const key = path[path.length - 1];
      if (typeof key === 'string' && isCredentialName(key) && node !== '' && !/^\[redacted /.test(node)) {
        redactions.push({ path: formatPath(path), kind: 'credential field' });
        return redactionMarker('credential field');
      }
      const { text, kinds } = redactText(node);
      for (const kind of new Set(kinds)) redactions.push({ path: formatPath(path), kind });
      return text;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) copy[k] = walk(v, [...path, k]);
      return copy;
    }
    return node;
  };
  return { value: walk(value, []) as T, redactions };
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `${i ? '.' : ''}${p}` : `[${JSON.stringify(p)}]`)).join('');
}
