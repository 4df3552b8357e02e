import { describe, expect, it } from 'vitest';
import { defaultHostpassUrl, parseHostpassUrl } from './hostpass-url.ts';

describe("the emulator's Hostpass URL", () => {
  it('defaults to PUBLIC_URL, else localhost on PORT, else on 8080', () => {
    expect(defaultHostpassUrl({ PUBLIC_URL: 'https://hp.example.com', PORT: '9000' })).toBe(
      'https://hp.example.com',
    );
    expect(defaultHostpassUrl({ PORT: '8123' })).toBe('http://localhost:8123');
    expect(defaultHostpassUrl({})).toBe('http://localhost:8080');
  });

  it('takes absolute http(s) URLs without query, without a trailing slash', () => {
    expect(parseHostpassUrl('http://localhost:8123/')).toBe('http://localhost:8123');
    expect(parseHostpassUrl('https://hp.example.com/base/')).toBe('https://hp.example.com/base');
    expect(parseHostpassUrl('localhost:8123')).toBeNull();
    expect(parseHostpassUrl('ftp://x')).toBeNull();
    expect(parseHostpassUrl('http://x/?a=1')).toBeNull();
  });
});
