/** A model config or use that cannot work; the message names the component, head or field. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}
