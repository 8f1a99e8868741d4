// Placeholder until the model issue lands: the builder goes here.
export const blocks = {};
export function amalgamate(_config: unknown): never {
  throw new Error('amalgamate is not built yet');
}
