import { Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { Timestamp, Uuid } from '../http/schemas.ts';

export const MappingObject = Type.Object({
  id: Uuid,
  meeting_id: Type.Integer({ description: 'Zoom meeting id (PMIs included) or webinar id.' }),
  credential: Uuid,
  host_user_id: Type.String({ description: "The meeting host's Zoom user id." }),
  source: Type.Enum(['pmi', 'scheduled', 'webhook', 'lookup'], {
    description:
      'How Hostpass learned of the meeting: a sync (`pmi`, `scheduled`), a Zoom event (`webhook`), or a look-up at Zoom when a bot asked for a meeting no sync had seen (`lookup`).',
  }),
  kind: Type.Enum(['meeting', 'webinar'], {
    description:
      'What the id is at Zoom: a meeting (PMIs included) or a webinar; tokens for a webinar come from its webinar endpoints.',
  }),
  created_at: Timestamp,
  synced_at: Timestamp,
});

export const MappingListQuery = Type.Object({
  ...listQueryProperties(['created_at', '-created_at', 'synced_at', '-synced_at']),
  meeting_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  kind: Type.Optional(Type.Enum(['meeting', 'webinar'])),
  credential: Type.Optional(Uuid),
  synced_at_after: Type.Optional(Timestamp),
  synced_at_before: Type.Optional(Timestamp),
});
export const MappingPage = pageSchema(MappingObject);
