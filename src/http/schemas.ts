import { Type } from 'typebox';

/** Schemas shared by every feature's routes. */
export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({
  format: 'date-time',
  description: 'RFC 3339; answers give UTC with milliseconds: 2024-04-24T06:38:38.879Z.',
});
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const IdParams = Type.Object({ id: Uuid });

export const ErrorDetail = Type.Object(
  { detail: Type.String() },
  { additionalProperties: true, description: 'Django REST framework style error.' },
);

/** Standard error responses, so the OpenAPI document tells clients what failures look like. */
export const authenticatedErrors = {
  400: ErrorDetail,
  401: ErrorDetail,
  404: ErrorDetail,
};

export const API_KEY_SECURITY = [{ ApiKey: [] }];
