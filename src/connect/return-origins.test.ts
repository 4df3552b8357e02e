import { describe, expect, it } from 'vitest';
import { parseOrigin } from '../http/origin.ts';
import { returnUrlRefusal } from './return-origins.ts';

describe('parseOrigin', () => {
  it('normalises scheme and host, keeps a non-default port, drops a default one', () => {
    expect(parseOrigin('https://App.Example.com')).toBe('https://app.example.com');
    expect(parseOrigin('https://app.example.com/')).toBe('https://app.example.com');
    expect(parseOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(parseOrigin('https://app.example.com:443')).toBe('https://app.example.com');
    expect(parseOrigin('http://[::1]:8080')).toBe('http://[::1]:8080');
  });

  it('refuses paths, queries, fragments, credentials and other schemes', () => {
    for (const text of [
      'https://app.example.com/zoom',
      'https://app.example.com?',
      'https://app.example.com#x',
      'https://user:pw@app.example.com',
      'app.example.com',
      'javascript:alert(1)',
      'ftp://app.example.com',
      '',
    ])
      expect(parseOrigin(text), text).toBeNull();
  });
});

describe('returnUrlRefusal', () => {
  const env = { source: 'HOSTPASS_CONNECT_RETURN_ORIGINS', origins: ['https://a.example'] };
  const app = {
    source: "the app's connect_return_origins",
    origins: ['https://a.example', 'https://b.example'],
  };

  it('allows a URL whose origin every list names, and Hostpass itself always', () => {
    expect(
      returnUrlRefusal('https://a.example/back?x=1', [env, app], 'https://hp.example'),
    ).toBeNull();
    expect(
      returnUrlRefusal('https://hp.example/credentials', [env], 'https://hp.example'),
    ).toBeNull();
    expect(returnUrlRefusal('https://anything.example/', [], 'https://hp.example')).toBeNull();
  });

  it('names the list that refused it: an app cannot widen what the operator allows', () => {
    expect(returnUrlRefusal('https://b.example/back', [env, app], 'https://hp.example')).toBe(
      'The origin https://b.example is not allowed for Connect links: HOSTPASS_CONNECT_RETURN_ORIGINS allows https://a.example.',
    );
    expect(returnUrlRefusal('https://a.example:8443/', [app], 'https://hp.example')).toContain(
      "the app's connect_return_origins allows https://a.example, https://b.example",
    );
  });
});
