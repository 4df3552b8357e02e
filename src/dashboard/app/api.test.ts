import { describe, expect, it } from 'vitest';
import { ApiError, asApiError } from './api.ts';

describe('asApiError', () => {
  it('keeps an ApiError as it is', () => {
    const error = new ApiError(409, 'Already connected', { client_id: 'taken' });
    expect(asApiError(error)).toBe(error);
  });

  it('shows only the message of anything else thrown, without "TypeError:"', () => {
    const shown = asApiError(new TypeError('Failed to fetch'));
    expect(shown).toBeInstanceOf(ApiError);
    expect(shown.status).toBe(0);
    expect(shown.message).toBe('Failed to fetch');
    expect(asApiError('plain words').message).toBe('plain words');
  });
});
