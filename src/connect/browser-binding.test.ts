import { describe, expect, it } from 'vitest';
import {
  bindingCookie,
  bindingCookieName,
  bindingMatches,
  newBinding,
  readCookie,
} from './browser-binding.ts';

const LINK = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('browser binding', () => {
  it('matches only the value whose hash was stored', () => {
    const binding = newBinding();
    expect(binding.value).toMatch(/^[\w-]{43}$/);
    expect(bindingMatches(binding.value, binding.hash)).toBe(true);
    expect(bindingMatches(`${binding.value}x`, binding.hash)).toBe(false);
    expect(bindingMatches(newBinding().value, binding.hash)).toBe(false);
    expect(bindingMatches(undefined, binding.hash)).toBe(false);
    expect(bindingMatches(binding.value, null)).toBe(false);
    expect(bindingMatches(binding.value, 'not hex')).toBe(false);
  });

  it('sets an HttpOnly, SameSite=Lax cookie scoped to the callback, Secure behind https', () => {
    expect(bindingCookie(LINK, 'v', 900, { path: '/oauth/zoom/callback', secure: false })).toBe(
      'hostpass_connect_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b=v; Max-Age=900; Path=/oauth/zoom/callback; HttpOnly; SameSite=Lax',
    );
    expect(bindingCookie(LINK, '', 0, { path: '/hp/oauth/zoom/callback', secure: true })).toBe(
      'hostpass_connect_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b=; Max-Age=0; Path=/hp/oauth/zoom/callback; HttpOnly; SameSite=Lax; Secure',
    );
  });

  it('reads its cookie among others', () => {
    const name = bindingCookieName(LINK);
    expect(readCookie(`a=1; ${name}=abc-_9; b=2`, name)).toBe('abc-_9');
    expect(readCookie(`${name}x=1`, name)).toBeUndefined();
    expect(readCookie(undefined, name)).toBeUndefined();
    expect(readCookie('garbage', name)).toBeUndefined();
  });
});
