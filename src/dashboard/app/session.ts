// The API key lives in sessionStorage only: it survives reloads and the round trip through Zoom's
// consent page in the same tab, and is gone when the tab closes. Never localStorage, never a cookie.
const STORAGE_KEY = 'hostpass.api_key';

export function storedApiKey(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeApiKey(apiKey: string | null): void {
  try {
    if (apiKey === null) window.sessionStorage.removeItem(STORAGE_KEY);
    else window.sessionStorage.setItem(STORAGE_KEY, apiKey);
  } catch {
    // Storage disabled: the key then lasts until the page is reloaded.
  }
}
