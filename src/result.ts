/**
 * The one shape of an outcome returned instead of thrown (a parse, a check, a token that could
 * not be minted): `ok` says which side it is, and narrows the type.
 */
export type Result<Success extends object, Failure extends object> =
  | ({ ok: true } & Success)
  | ({ ok: false } & Failure);
