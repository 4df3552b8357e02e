// standardwebhooks 1.1.1 names dist/index.d.ts in its package.json but does not ship it.
declare module 'standardwebhooks' {
  export class WebhookVerificationError extends Error {}
  export class Webhook {
    static prefix: string;
    constructor(secret: string | Uint8Array, options?: { format?: 'raw' });
    verify(payload: string | Buffer, headers: Record<string, string>): unknown;
    sign(msgId: string, timestamp: Date, payload: string | Buffer): string;
  }
}
