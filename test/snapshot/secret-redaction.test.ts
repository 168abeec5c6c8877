import { describe, expect, it } from 'vitest';
import { redactSecrets, redactText, redactUrl } from '../../src/snapshot/secret-redaction.ts';

describe('secret redaction', () => {
  it('removes URL userinfo and credential-named query values, keeping the rest of the URL', () => {
    const { url, kinds } = redactUrl('https://bob:hunter2secret@api.example.com/v1/x?page=2&api_key=abc123&token=t0k&q=cats#frag');
    expect(url).toBe('https://%5Bredacted%20url%20userinfo%5D@api.example.com/v1/x?page=2&api_key=%5Bredacted%20url%20credential%20parameter%5D&token=%5Bredacted%20url%20credential%20parameter%5D&q=cats#frag');
    expect(kinds).toEqual(['url userinfo', 'url credential parameter', 'url credential parameter']);
    expect(redactUrl('https://maps.example.com/?key=AIzaXYZ&zoom=3').url).not.toContain('AIzaXYZ');
    expect(redactUrl('https://example.com/path?author=me').url).toBe('https://example.com/path?author=me');
  });

  it('finds bearer tokens, sk- keys, AWS access key ids and JWTs anywhere in text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcDEF123_-xyz';
    const { text, kinds } = redactText(`Authorization: Bearer abcdefgh12345678 then sk-proj-ABCDEFGHIJKLMNOP1234 and AKIAIOSFODNN7EXAMPLE and ${jwt}.`);
    expect(text).toBe('Authorization: Bearer [redacted bearer token] then [redacted api key] and [redacted aws access key] and [redacted jwt].');
    expect(new Set(kinds)).toEqual(new Set(['bearer token', 'api key', 'aws access key', 'jwt']));
    // Ordinary prose and words that only resemble keys stay.
    expect(redactText('Ask the task-runner about tokens and keys; see skeleton sk-8.').text).toBe('Ask the task-runner about tokens and keys; see skeleton sk-8.');
  });

  it('replaces whole values where the rule says, and values of credential-named fields, reporting each path', () => {
    const input = {
      headers: [{ key: 'X-Api-Key', value: 'plain-secret' }, { key: 'X-Ref', value: { nodeId: 'n1', path: ['a'] } }],
      nested: { clientSecret: 'cs-1', apiToken: 'at-1', tokensCount: 'five', author: 'Ann', outputData: [{ key: 'digest' }] },
      url: 'https://u:p@h.example.com/',
    };
    const { value, redactions } = redactSecrets(input, { wholeValue: (p) => (p.length === 3 && p[0] === 'headers' && p[2] === 'value' ? 'header value' : undefined) });
    expect(value.headers[0]).toEqual({ key: 'X-Api-Key', value: '[redacted header value]' });
    expect(value.headers[1]).toEqual({ key: 'X-Ref', value: { nodeId: 'n1', path: ['a'] } });
    expect(value.nested).toEqual({ clientSecret: '[redacted credential field]', apiToken: '[redacted credential field]', tokensCount: 'five', author: 'Ann', outputData: [{ key: 'digest' }] });
    expect(redactions).toEqual([
      { path: 'headers[0].value', kind: 'header value' },
      { path: 'nested.clientSecret', kind: 'credential field' },
      { path: 'nested.apiToken', kind: 'credential field' },
      { path: 'url', kind: 'url userinfo' },
    ]);
    expect(input.headers[0]!.value).toBe('plain-secret');
  });
});
