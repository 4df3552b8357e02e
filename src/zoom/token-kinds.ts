/** The tokens Zoom grants a bot on the host's behalf (docs in /work/shared/reference/zoom.md). */
export const TOKEN_KINDS = ['join_token', 'third_party_recording_token', 'zak', 'obf'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const isTokenKind = (value: unknown): value is TokenKind =>
  (TOKEN_KINDS as readonly unknown[]).includes(value);
