import { AmalgamError } from '../util/errors';
/** A model config or use that cannot work; the message names the component, head or field. */
export class ModelError extends AmalgamError {
  constructor(message: string) {
    super(message);
  }
}
