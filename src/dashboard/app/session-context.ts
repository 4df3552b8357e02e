import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api.ts';

export interface Session {
  apiKey: string;
  api: ApiClient;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionContext');
  return session;
}
