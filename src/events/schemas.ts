import { type Static, Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { NullableTimestamp, Timestamp, Uuid } from '../http/schemas.ts';
import { EVENT_TYPES } from './catalog.ts';

const EventTypes = Type.Union(
  [
    Type.Array(Type.Enum([...EVENT_TYPES].filter((type) => type !== 'webhook.test')), {
      minItems: 1,
      maxItems: EVENT_TYPES.length,
    }),
    Type.Null(),
  ],
  { description: 'The event types sent to this endpoint; null or omitted: every type.' },
);

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    'https, at a public address (checked after DNS resolution, and again at each delivery); redirects are not followed.',
});
const Description = Type.String({ maxLength: 500 });

export const CreateEndpointBody = Type.Object(
  {
    url: Url,
    description: Type.Optional(Description),
    event_types: Type.Optional(EventTypes),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateEndpointBody = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    description: Type.Optional(Description),
    event_types: Type.Optional(EventTypes),
    disabled: Type.Optional(
      Type.Boolean({
        description:
          'false re-enables a disabled endpoint: it receives the events from then on (not those it missed).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EndpointObject = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Type.String(),
  event_types: Type.Union([Type.Array(Type.String()), Type.Null()]),
  disabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why Hostpass disabled it (deliveries failing for 5 days); null otherwise.',
  }),
  created_at: Timestamp,
});

const Secret = Type.String({
  description:
    'The signing secret: `whsec_` and base64 of 32 random bytes, as every Standard Webhooks library takes it.',
});
export const CreatedEndpointObject = Type.Object({
  ...EndpointObject.properties,
  secret: Secret,
});
export const SecretObject = Type.Object({ secret: Secret });

export const EndpointListQuery = Type.Object(listQueryProperties(['created_at', '-created_at']));
export const EndpointPage = pageSchema(EndpointObject);

export const DeliveryObject = Type.Object({
  id: Uuid,
  endpoint: Uuid,
  event_type: Type.String(),
  webhook_id: Type.String({ description: 'The webhook-id header: the same on every attempt.' }),
  attempt: Type.Integer({ description: 'Attempts made so far.' }),
  status: Type.Enum(['pending', 'delivered', 'failed']),
  response_status_code: Type.Union([Type.Integer(), Type.Null()]),
  response_body: Type.Union([Type.String(), Type.Null()], {
    description: "The first 1 KiB of the endpoint's last answer.",
  }),
  duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  last_attempt_at: NullableTimestamp,
  next_attempt_at: Type.Union([Timestamp, Type.Null()], {
    description: 'When the next attempt is due (pending only).',
  }),
  created_at: Timestamp,
});
export const DeliveryListQuery = Type.Object(listQueryProperties(['created_at', '-created_at']));
export const DeliveryPage = pageSchema(DeliveryObject);
