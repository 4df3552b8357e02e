import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator } from '../../emulator/index.ts';
import { buildHttpServer } from '../app.ts';
import { loadConfig } from '../config.ts';
import { generateEncryptionKey } from '../crypto/keyring.ts';
import { freePort } from '../free-port.ts';
import { createLogger } from '../logger.ts';
import { plural } from '../plural.ts';
import { openRuntime } from '../runtime.ts';

const step = (text: string) => console.log(`\n▶ ${text}`);
const detail = (text: string) => console.log(`  ${text}`);

async function call(
  url: string,
  init: {
    method?: string;
    key?: string;
    json?: unknown;
    form?: URLSearchParams;
    cookie?: string | undefined;
  } = {},
) {
  const headers: Record<string, string> = {};
  if (init.key) headers.authorization = `Token ${init.key}`;
  if (init.cookie) headers.cookie = init.cookie;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = init.form.toString();
  }
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body,
    redirect: 'manual',
  });
  const text = await response.text();
  return {
    status: response.status,
    location: response.headers.get('location'),
    // Name and value of the first cookie set (what a browser would send back).
    cookie: response.headers.getSetCookie()[0]?.split(';')[0],
    text,
    json: () => JSON.parse(text),
  };
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`The demo timed out waiting for ${what}.`);
    await sleep(100);
  }
}

export async function runDemo(options: { keepRunning: boolean }): Promise<void> {
  step('Starting the Zoom emulator (an offline Zoom: OAuth, REST API, webhooks)');
  const emulator = await startEmulator({ port: 0, demoData: true });
  const demo = emulator.demo;
  if (!demo) throw new Error('The emulator did not create its demo world.');
  detail(`${emulator.url} — account with ${demo.owner.email} (owner) and ${demo.member.email}`);

  step('Starting Hostpass (embedded storage in a temporary folder)');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hostpass-demo-'));
  const port = await freePort();
  const apiKey = `hp_demo_${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    HOSTPASS_DATA_DIR: dataDir,
    HOSTPASS_ENCRYPTION_KEYS: generateEncryptionKey('demo'),
    HOSTPASS_BOOTSTRAP_API_KEY: apiKey,
    ZOOM_OAUTH_URL: emulator.url,
    ZOOM_API_URL: `${emulator.url}/v2`,
    HOSTPASS_BOT_RUNNER: 'emulator',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger('warn', process.stderr);
  const runtime = await openRuntime(config, logger);
  await runtime.services.workspaceService.ensureInitialAccess(apiKey);
  const app = await buildHttpServer({
    config,
    logger,
    db: runtime.db,
    services: runtime.services,
  });
  await app.listen({ port, host: '127.0.0.1' });
  await runtime.startWorkers();
  const hostpass = config.publicUrl;
  detail(`${hostpass} — API key ${apiKey}`);

  try {
    const zoomApp = demo.userLevelApp;
    step('Registering the Zoom app in Hostpass (POST /api/v2/zoom-oauth-apps/)');
    const registered = (
      await call(`${hostpass}/api/v2/zoom-oauth-apps/`, {
        method: 'POST',
        key: apiKey,
        json: {
          kind: 'user_level',
          client_id: zoomApp.client_id,
          client_secret: zoomApp.client_secret,
          webhook_secret: zoomApp.webhook_secret,
        },
      })
    ).json();
    detail(`app ${registered.id}; webhook URL ${registered.webhook_url}`);
    // In Zoom's Marketplace: paste the webhook URL, and allow Hostpass's callback as a redirect URL.
    await emulator.admin.updateApp(zoomApp.id, {
      event_url: registered.webhook_url,
      redirect_uris: [...zoomApp.redirect_uris, `${hostpass}/oauth/zoom/callback`],
    });
    const validated = (
      await call(`${hostpass}/api/v2/zoom-oauth-apps/${registered.id}/`, { key: apiKey })
    ).json();
    detail(`Zoom validated the webhook URL at ${validated.webhook_last_validation}`);

    step(`Connecting ${demo.owner.email} through the hosted Connect flow`);
    const link = (
      await call(`${hostpass}/api/v2/zoom-connect-links/`, {
        method: 'POST',
        key: apiKey,
        json: { oauth_app: registered.id, return_url: `${hostpass}/healthz` },
      })
    ).json();
    const toZoom = await call(link.url);
    detail(
      `the link sends the browser to Zoom: ${toZoom.location?.split('?')[0]} (state and PKCE attached)`,
    );
    const consentPage = await call(toZoom.location as string);
    const form = new URLSearchParams();
    for (const match of consentPage.text.matchAll(
      /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
    )) {
      form.set(
        match[1] as string,
        (match[2] as string).replaceAll('&amp;', '&').replaceAll('&quot;', '"'),
      );
    }
    form.set('user_id', demo.owner.id);
    form.set('decision', 'allow');
    const allowed = await call(`${emulator.url}/oauth/authorize`, { method: 'POST', form });
    detail(
      `${demo.owner.email} clicks Allow on Zoom's consent page; Zoom redirects back to Hostpass`,
    );
    // The browser brings back the cookie the link set: the callback checks it is the same browser.
    const back = await call(allowed.location as string, { cookie: toZoom.cookie });
    const credentialId = new URL(back.location as string).searchParams.get('credential_id');
    if (!credentialId) throw new Error(`Connecting failed: ${back.location}`);
    detail(`back at the return URL with credential_id=${credentialId}`);

    step('Syncing the user’s meetings (PMI, scheduled and upcoming)');
    const credential = await until(async () => {
      const current = (
        await call(`${hostpass}/api/v2/zoom-oauth-credentials/${credentialId}/`, { key: apiKey })
      ).json();
      return current.meeting_sync_status === 'completed' ? current : undefined;
    }, 'the meeting sync');
    const mappings = (
      await call(`${hostpass}/api/v2/zoom-meetings-to-credentials/?credential=${credentialId}`, {
        key: apiKey,
      })
    ).json();
    detail(
      `credential ${credential.status}; ${plural(mappings.results.length, 'meeting')} mapped to it`,
    );

    const meeting =
      demo.meetings.find((candidate) => candidate.host_id === demo.owner.id) ?? demo.meetings[0];
    if (!meeting) throw new Error('The demo world has no meeting.');
    const meetingUrl = `https://zoom.us/j/${meeting.id}?pwd=${meeting.password}`;
    step(`Sending a bot to ${meetingUrl} (POST /api/v1/bot/); the meeting has a waiting room`);
    const bot = (
      await call(`${hostpass}/api/v1/bot/`, {
        method: 'POST',
        key: apiKey,
        json: { meeting_url: meetingUrl, bot_name: 'Demo Notetaker' },
      })
    ).json();
    const joined = await until(async () => {
      const current = (await call(`${hostpass}/api/v1/bot/${bot.id}/`, { key: apiKey })).json();
      const last = current.status_changes.at(-1)?.code;
      return last === 'in_call_recording' || last === 'fatal' || last === 'in_waiting_room'
        ? current
        : undefined;
    }, 'the bot to join');
    detail(
      `join plan: ${joined.join_plan.tokens.join(', ') || 'no tokens'} (from ${joined.join_plan.source})`,
    );
    for (const change of joined.status_changes) {
      detail(
        `${change.code}${change.sub_code ? ` (${change.sub_code})` : ''}${change.message ? ` — ${change.message}` : ''}`,
      );
    }
    const codes = joined.status_changes.map((change: { code: string }) => change.code);
    if (codes.includes('in_call_recording') && !codes.includes('in_waiting_room')) {
      console.log('\n✔ Recording allowed without asking the host, waiting room bypassed.');
    } else {
      console.log('\n✘ The bot did not get to record without asking the host.');
      process.exitCode = 1;
    }
    if (options.keepRunning) {
      console.log(
        `\nStill running: Hostpass ${hostpass} (key ${apiKey}), Zoom emulator ${emulator.url}. Ctrl-C to stop.`,
      );
      await new Promise((resolve) => process.once('SIGINT', resolve));
    }
  } finally {
    await app.close();
    await runtime.close();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
