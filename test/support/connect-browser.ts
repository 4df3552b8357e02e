// The hosted Connect flow as an end user's browser goes through it, one redirect at a time: it
// keeps the cookies Hostpass sets (the attempt's browser binding) and sends them back where their
// path matches, as a browser does. A second `newBrowser()` is another browser.
import { expect } from 'vitest';
import { type ApiResponse, request } from './hostpass.ts';

export interface Browser {
  get(url: string): Promise<ApiResponse>;
  /** The browser opens a Connect link: Hostpass answers with a redirect to Zoom's consent page. */
  openLink(url: string): Promise<URL>;
  /** Zoom redirected the browser to Hostpass's callback: where it lands next (null: a page). */
  followCallback(callback: URL): Promise<{ response: ApiResponse; location: URL | null }>;
  cookies(): Map<string, { value: string; path: string }>;
}

export function newBrowser(): Browser {
  const jar = new Map<string, { value: string; path: string }>();

  async function get(url: string): Promise<ApiResponse> {
    const { pathname } = new URL(url);
    const cookie = [...jar]
      .filter(([, stored]) => pathname.startsWith(stored.path))
      .map(([name, stored]) => `${name}=${stored.value}`)
      .join('; ');
    const response = await request(url, cookie ? { headers: { cookie } } : {});
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const path = attributes.find((part) => part.startsWith('Path='))?.slice(5) ?? '/';
      if (attributes.includes('Max-Age=0')) jar.delete(name);
      else jar.set(name, { value, path });
    }
    return response;
  }

  return {
    get,
    async openLink(url) {
      const response = await get(url);
      expect(response.status, response.text).toBe(302);
      return new URL(response.headers.get('location') ?? '');
    },
    async followCallback(callback) {
      const response = await get(callback.toString());
      return {
        response,
        location: response.status === 302 ? new URL(response.headers.get('location') ?? '') : null,
      };
    },
    cookies: () => jar,
  };
}

/** A person on Zoom's (the emulator's) consent page picks the user and clicks Allow or Deny. */
export async function consent(
  emulatorUrl: string,
  authorizeUrl: URL,
  userId: string,
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const page = await request(authorizeUrl.toString());
  expect(page.status, page.text).toBe(200);
  const fields = new URLSearchParams();
  for (const match of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(
      match[1] as string,
      (match[2] as string).replaceAll('&amp;', '&').replaceAll('&quot;', '"'),
    );
  }
  fields.set('user_id', userId);
  fields.set('decision', decision);
  const posted = await request(`${emulatorUrl}/oauth/authorize`, {
    method: 'POST',
    body: fields.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(posted.status).toBe(302);
  return new URL(posted.headers.get('location') ?? '');
}
