/** A registry operation that cannot proceed; the message names the model, version, component or file. */
export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}
