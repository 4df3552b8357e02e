// An Attendee server calling a `zoom_tokens_url`, written from Attendee's own code and docs
// (attendee-labs/attendee), not from Hostpass's verifier:
// - bots/external_callback_utils.py `make_callback_request`: the body is
//   `{bot_id, bot_metadata, callback_type: "zoom_tokens", meeting_url}`, signed with the
//   project's webhook secret (bots/models.py: 32 random bytes, shown base64 in the dashboard).
// - current versions (`make_signed_callback_request`): raw body = json.dumps(payload,
//   ensure_ascii=False, separators=(",", ":")); `X-Webhook-Timestamp` = int(time.time());
//   `X-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + "." + raw body));
//   `X-Webhook-Signature-Legacy` = the legacy signature below.
// - older versions: `requests.post(url, json=payload)` (Python's default json.dumps: ", " and
//   ": " separators, non-ASCII escaped) with only `X-Webhook-Signature` = the legacy signature:
//   base64(HMAC-SHA256(secret, canonical JSON)), canonical as docs/webhooks.md's Node example
//   builds it: `JSON.stringify(sortKeys(payload))`.

import { createHmac } from 'node:crypto';
import { type ApiResponse, request } from './hostpass.ts';

export interface ZoomTokensPayload {
  bot_id: string;
  bot_metadata: Record<string, unknown> | null;
  callback_type: 'zoom_tokens';
  meeting_url: string;
}

/** docs/webhooks.md, "Javascript (Node.js)": Attendee's own canonical form. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

const hmac = (secretBase64: string, message: string) =>
  createHmac('sha256', Buffer.from(secretBase64, 'base64'))
    .update(message, 'utf8')
    .digest('base64');

export const legacySignature = (secretBase64: string, payload: ZoomTokensPayload) =>
  hmac(secretBase64, JSON.stringify(sortKeys(payload)));

/** Python's default `json.dumps` (what `requests.post(json=…)` sends): spaced, ASCII only. */
function pythonDefaultDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonDefaultDumps).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${pythonDefaultDumps(key)}: ${pythonDefaultDumps(item)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return JSON.stringify(value);
}

export interface AttendeeCall {
  /** `current` (timestamped, both signatures) or `legacy` (older self-hosted Attendee). */
  version?: 'current' | 'legacy';
  /** Unix seconds; default now. */
  timestamp?: number;
}

/** POSTs Attendee's `zoom_tokens` callback to `url`, signed as Attendee signs it. */
export function callZoomTokensUrl(
  url: string,
  secretBase64: string,
  payload: ZoomTokensPayload,
  call: AttendeeCall = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Attendee-Callback/1.0',
  };
  if (call.version === 'legacy') {
    headers['x-webhook-signature'] = legacySignature(secretBase64, payload);
    return request(url, { method: 'POST', headers, body: pythonDefaultDumps(payload) });
  }
  const body = JSON.stringify(payload);
  const timestamp = String(call.timestamp ?? Math.floor(Date.now() / 1000));
  headers['x-webhook-timestamp'] = timestamp;
  headers['x-webhook-signature'] = hmac(secretBase64, `${timestamp}.${body}`);
  headers['x-webhook-signature-legacy'] = legacySignature(secretBase64, payload);
  return request(url, { method: 'POST', headers, body });
}
