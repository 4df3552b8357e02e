import { describe, expect, it } from 'vitest';
import { ZoomBadAnswerError } from './api.ts';
import { createZoomOAuthClient } from './oauth.ts';

/** The OAuth client with Zoom's `/oauth/token` answering `body` with a 200. */
const answering = (body: unknown) =>
  createZoomOAuthClient({
    oauthUrl: 'https://zoom.test',
    http: {
      send: async () => ({ status: 200, headers: {}, text: JSON.stringify(body) }),
      close: async () => {},
    },
  });
const client = { clientId: 'id', clientSecret: 'secret' };

describe('POST /oauth/token answers', () => {
  it('keeps a rotated refresh token whatever the fields that do not matter look like', async () => {
    for (const scope of [null, ['meeting:read'], 7]) {
      const tokens = await answering({ access_token: '', refresh_token: 'rotated', scope }).refresh(
        client,
        'old',
      );
      expect(tokens).toMatchObject({ refreshToken: 'rotated', scopes: [] });
    }
  });

  it('refuses an answer without a refresh token as malformed, naming the endpoint', async () => {
    const refused = answering({ access_token: 'a' }).refresh(client, 'old');
    await expect(refused).rejects.toBeInstanceOf(ZoomBadAnswerError);
    await expect(refused).rejects.toThrow(/POST \/oauth\/token/);
  });
});
