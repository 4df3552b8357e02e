/**
 * `hostpass/client`: a typed client for Hostpass's REST API. The types in ./schema.ts are generated
 * from the server's own OpenAPI document (`npm run client`), and `npm test` fails when they drift,
 * so a call that compiles matches the routes the server has. Requests go through openapi-fetch:
 * every call answers `{data, error, response}` rather than throwing on 4xx/5xx.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema.ts';

export type { components, paths, webhooks } from './schema.ts';

export interface HostpassClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** The server's base URL (its PUBLIC_URL), e.g. `https://hostpass.example.com`. */
  baseUrl: string;
  /** An API key of the workspace; sent as `Authorization: Token <key>`. */
  apiKey: string;
}

export type HostpassClient = Client<paths>;

/** The JSON body a successful call of `path` with `method` answers. */
export type ResponseBody<
  Path extends keyof paths,
  Method extends 'get' | 'post' | 'patch' | 'delete',
> = paths[Path][Method] extends { responses: infer Responses }
  ? {
      [Status in keyof Responses]: Status extends 200 | 201
        ? Responses[Status] extends { content: { 'application/json': infer Body } }
          ? Body
          : never
        : never;
    }[keyof Responses]
  : never;

export function createHostpassClient(options: HostpassClientOptions): HostpassClient {
  const { baseUrl, apiKey, headers, ...rest } = options;
  return createClient<paths>({
    ...rest,
    // Every route ends in a slash; a base URL with one would make `//api/…`.
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...headers, authorization: `Token ${apiKey}` },
  });
}
