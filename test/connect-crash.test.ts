// Issue #11 part 2: a Connect link survives a crash of Hostpass in the middle of the code
// exchange. Hostpass runs as a real process, killed with SIGKILL while Zoom (the emulator, holding
// the token request) has not answered yet; the same link works once it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { USER_LEVEL_SCOPES } from '../emulator/scopes.ts';
import { consent, newBrowser } from './support/connect-browser.ts';
import { crashableHostpass } from './support/crashable.ts';
import { holdNextTokenRequest } from './support/zoom-world.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());

describe('a Connect link whose completion is interrupted by kill -9', () => {
  it('still works after the restart and makes exactly one credential', {
    timeout: 90_000,
  }, async () => {
    const hostpass = await crashableHostpass({ zoomUrl: emulator.url });
    const { api, url } = hostpass;
    const zoomApp = await emulator.admin.createApp({
      kind: 'user_level',
      redirect_uris: [`${url}/oauth/zoom/callback`],
      scopes: [...USER_LEVEL_SCOPES],
    });
    const account = await emulator.admin.createAccount({ plan: 'pro' });
    const user = await emulator.admin.createUser({
      account_id: account.id,
      email: 'crash@connect.example',
    });

    try {
      const first = await hostpass.start();
      const app = await api('/api/v2/zoom-oauth-apps/', {
        method: 'POST',
        json: {
          kind: 'user_level',
          client_id: zoomApp.client_id,
          client_secret: zoomApp.client_secret,
          webhook_secret: zoomApp.webhook_secret,
        },
      });
      const link = await api('/api/v2/zoom-connect-links/', {
        method: 'POST',
        json: { oauth_app: app.body.id, return_url: 'https://customer.example/connected' },
      });
      expect(link.status, link.text).toBe(201);

      const browser = newBrowser();
      const callback = await consent(emulator.url, await browser.openLink(link.body.url), user.id);
      // Zoom holds the code exchange; Hostpass dies while it waits for the answer.
      const hold = await holdNextTokenRequest({ zoom: emulator.admin }, 60_000);
      const interrupted = browser.followCallback(callback).catch((error: unknown) => error);
      await hold.held();
      await hostpass.kill(first);
      expect(await interrupted).toBeInstanceOf(Error);

      await hostpass.start();
      expect((await api(`/api/v2/zoom-connect-links/${link.body.id}/`)).body.used_at).toBeNull();
      // The user opens the same link again: a new attempt (new state and PKCE) that completes.
      const authorize = await browser.openLink(link.body.url);
      expect(authorize.searchParams.get('state')).not.toBe(callback.searchParams.get('state'));
      const completed = await consent(emulator.url, authorize, user.id);
      const { location } = await browser.followCallback(completed);
      const credentialId = location?.searchParams.get('credential_id');
      expect(credentialId, location?.toString()).toBeTruthy();

      const credentials = await api(`/api/v2/zoom-oauth-credentials/?oauth_app=${app.body.id}`);
      expect(credentials.body.results).toMatchObject([{ id: credentialId, status: 'healthy' }]);
      const token = await api(`/api/v2/zoom-oauth-credentials/${credentialId}/access-token/`);
      const me = await fetch(`${emulator.url}/v2/users/me`, {
        headers: { authorization: `Bearer ${token.body.token}` },
      });
      expect(me.status).toBe(200);
      const stored = await api(`/api/v2/zoom-connect-links/${link.body.id}/`);
      expect(stored.body).toMatchObject({ credential: credentialId });
      expect(stored.body.used_at).not.toBeNull();
      // Replayed now: the completed attempt's callback finds the link used; the interrupted
      // attempt's state was replaced by the new one.
      const replay = await browser.followCallback(completed);
      expect(replay.location?.searchParams.get('error')).toBe('link_used');
      expect((await browser.followCallback(callback)).response.status).toBe(400);
    } finally {
      await hostpass.stopAll();
    }
  });
});
