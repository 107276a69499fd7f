// Secrets never reach the terminal: what the redaction masks, and what it must leave readable.
import { describe, expect, it } from 'vitest';
import { redactHeaderValue, redactObject, redactText } from '../../src/cli/redact.ts';

describe('redactText', () => {
  it.each([
    {
      name: 'bearer token',
      input: 'Authorization: Bearer eyJhbGciOi.abc-def_ghi',
      output: 'Authorization: Bearer <redacted>',
    },
    {
      name: 'basic credentials',
      input: 'Authorization: Basic YWRtaW46aHVudGVyMg==',
      output: 'Authorization: Basic <redacted>',
    },
    {
      name: 'YAML token',
      input: 'users: [{name: u, user: {token: abc123}}]',
      output: 'users: [{name: u, user: {token: <redacted>}}]',
    },
    {
      name: 'JSON password',
      input: '{"username":"admin","password":"hunter2"}',
      output: '{"username":"admin","password":"<redacted>"}',
    },
    {
      name: 'query access_token',
      input: 'GET https://x/api?access_token=s3cr3t&watch=1',
      output: 'GET https://x/api?access_token=<redacted>&watch=1',
    },
    {
      name: 'client-key-data',
      input: 'client-key-data: LS0tLS1CRUdJTg==',
      output: 'client-key-data: <redacted>',
    },
    {
      name: 'password in a URL',
      input: 'cannot reach https://admin:hunter2@10.0.0.1:6443/api',
      output: 'cannot reach https://admin:<redacted>@10.0.0.1:6443/api',
    },
    {
      name: 'OAuth refresh_token in a query or form body',
      input: 'request body: grant_type=refresh_token&refresh_token=r3fr3sh&client_id=k',
      output: 'request body: grant_type=refresh_token&refresh_token=<redacted>&client_id=k',
    },
    {
      name: 'JSON id_token and access_token',
      input: '{"id_token":"abc.def.ghi","access_token": "xyz"}',
      output: '{"id_token":"<redacted>","access_token": "<redacted>"}',
    },
    {
      name: 'client_secret (underscore) and client-secret',
      input: 'client_secret=s3cr3t client-secret: other',
      output: 'client_secret=<redacted> client-secret: <redacted>',
    },
    {
      name: 'bare JWT',
      input: 'token rejected: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2lnbmF0dXJl (expired)',
      output: 'token rejected: <redacted token> (expired)',
    },
    {
      name: 'PEM private key',
      input: 'key: -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
      output: 'key: <redacted private key>',
    },
  ])('masks a $name', ({ input, output }) => {
    expect(redactText(input)).toBe(output);
  });

  it.each([
    'GET https://127.0.0.1:6443/api/v1/namespaces/a/pods?labelSelector=app%3Dweb 200 in 3ms',
    'user "sim-user" uses tokenFile: /var/run/token',
    'cannot get credentials for user "u": token expired: run corp-login',
    'Authorization: Bearer <redacted>',
    'grant_type=refresh_token',
    'the refresh token expired; log in again',
  ])('leaves %j readable', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('redactHeaderValue and redactObject', () => {
  it('keeps the scheme of Authorization and hides cookies', () => {
    expect(redactHeaderValue('authorization', 'Bearer abc')).toBe('Bearer <redacted>');
    expect(redactHeaderValue('Cookie', 'session=1')).toBe('<redacted>');
    expect(redactHeaderValue('User-Agent', 'kubectl-sts/0.1.0')).toBe('kubectl-sts/0.1.0');
  });

  it('masks sensitive keys at any depth', () => {
    expect(
      redactObject({ users: [{ name: 'u', user: { token: 't', 'client-key-data': 'k', username: 'me' } }] }),
    ).toEqual({
      users: [{ name: 'u', user: { token: '<redacted>', 'client-key-data': '<redacted>', username: 'me' } }],
    });
  });
});
