/** How the models of `models.ts` (generated from openapi.yaml) are built from the API's JSON. */

/** @internal */
export type Wire = Record<string, unknown>;

/** @internal What a model is made of: its wire fields, those that are times, and the one that is a secret. */
export interface Shape {
  fields: ReadonlySet<string>;
  times: ReadonlySet<string>;
  secret?: string;
}

/** @internal */
export const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * @internal
 * The model of `w`: its known fields camelCased (times as `Date`s, an absent nullable field as
 * `null`), the fields this SDK has no name for kept under the API's names, and the secret, if the
 * shape has one, not enumerable, so that `console.log` and `JSON.stringify` never show it.
 */
export function build<T>(w: Wire, shape: Shape): T {
  const model: Wire = {};
  for (const [key, value] of Object.entries(w)) if (!shape.fields.has(key)) model[key] = value;
  for (const key of shape.fields) {
    const value = w[key] ?? null;
    if (key === shape.secret) Object.defineProperty(model, key, { value, enumerable: false });
    else model[camel(key)] = shape.times.has(key) && typeof value === 'string' ? new Date(value) : value;
  }
  return model as T;
}
