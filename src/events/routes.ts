import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { API_KEY_SECURITY, authenticatedErrors, IdParams } from '../http/schemas.ts';
import {
  CreatedEndpointObject,
  CreateEndpointBody,
  DeliveryListQuery,
  DeliveryObject,
  DeliveryPage,
  EndpointListQuery,
  EndpointObject,
  EndpointPage,
  SecretObject,
  UpdateEndpointBody,
} from './schemas.ts';
import type { EventService } from './service.ts';

const tags = ['Webhooks'];
const PATH = '/api/v2/webhook-endpoints/';

export interface EventRoutesOptions {
  eventService: EventService;
  publicUrl: string;
}

/** `/api/v2/webhook-endpoints/` and `/api/v2/webhook-deliveries/`: behind the API key. */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (
  app,
  { eventService, publicUrl },
) => {
  const security = API_KEY_SECURITY;

  app.post(
    PATH,
    {
      schema: {
        tags,
        security,
        description:
          'Registers an endpoint for outgoing events, signed with Standard Webhooks. The answer holds the signing secret.',
        body: CreateEndpointBody,
        response: { 201: CreatedEndpointObject, ...authenticatedErrors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await eventService.createEndpoint(request.auth.workspaceId, request.body)),
  );

  app.get(
    PATH,
    {
      schema: {
        tags,
        security,
        querystring: EndpointListQuery,
        response: { 200: EndpointPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (_filters, window) =>
        eventService.listEndpoints(request.auth.workspaceId, window),
      ),
  );

  const one = { tags, security, params: IdParams };

  app.get(
    `${PATH}:id/`,
    { schema: { ...one, response: { 200: EndpointObject, ...authenticatedErrors } } },
    async (request) => eventService.getEndpoint(request.auth.workspaceId, request.params.id),
  );

  app.patch(
    `${PATH}:id/`,
    {
      schema: {
        ...one,
        body: UpdateEndpointBody,
        response: { 200: EndpointObject, ...authenticatedErrors },
      },
    },
    async (request) =>
      eventService.updateEndpoint(request.auth.workspaceId, request.params.id, request.body),
  );

  app.delete(
    `${PATH}:id/`,
    { schema: { ...one, response: { 204: Type.Null(), ...authenticatedErrors } } },
    async (request, reply) => {
      await eventService.deleteEndpoint(request.auth.workspaceId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${PATH}:id/secret/`,
    {
      schema: {
        ...one,
        description: "The endpoint's signing secret.",
        response: { 200: SecretObject, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return eventService.secret(request.auth.workspaceId, request.params.id);
    },
  );

  app.post(
    `${PATH}:id/secret/rotate/`,
    {
      schema: {
        ...one,
        description:
          "A new signing secret. For 24 hours deliveries carry two signatures (space-separated), the new and the old secret's, so receivers can switch without losing events.",
        response: { 200: SecretObject, ...authenticatedErrors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return eventService.rotateSecret(request.auth.workspaceId, request.params.id);
    },
  );

  app.post(
    `${PATH}:id/test/`,
    {
      schema: {
        ...one,
        description: 'Sends a `webhook.test` event to the endpoint now; answers its delivery.',
        response: { 200: DeliveryObject, ...authenticatedErrors },
      },
    },
    async (request) => eventService.sendTest(request.auth.workspaceId, request.params.id),
  );

  app.get(
    `${PATH}:id/deliveries/`,
    {
      schema: {
        ...one,
        description: 'The delivery log of the endpoint, newest first.',
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPage, ...authenticatedErrors },
      },
    },
    async (request) =>
      listPage(request, publicUrl, (_filters, window) =>
        eventService.listDeliveries(request.auth.workspaceId, request.params.id, window),
      ),
  );

  app.post(
    '/api/v2/webhook-deliveries/:id/retry/',
    {
      schema: {
        ...one,
        description:
          'Sends the delivery again now (its webhook-id stays the same); answers the delivery.',
        response: { 200: DeliveryObject, ...authenticatedErrors },
      },
    },
    async (request) => eventService.retryDelivery(request.auth.workspaceId, request.params.id),
  );
};
