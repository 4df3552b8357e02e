import { Type } from 'typebox';
import { listQueryProperties, pageSchema } from '../http/pagination.ts';
import { Timestamp, Uuid } from '../http/schemas.ts';

export const ApiKeyObject = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
  created_at: Timestamp,
});

export const CreatedApiKeyObject = Type.Object({
  ...ApiKeyObject.properties,
  key: Type.String({ description: 'The API key. Shown only in this response: store it now.' }),
});

export const CreateApiKeyBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export const ApiKeyListQuery = Type.Object(listQueryProperties(['created_at', '-created_at']));
export const ApiKeyPage = pageSchema(ApiKeyObject);
