import { AmalgamError } from '../util/errors';
/** A registry operation that cannot proceed; the message names the model, version, component or file. */
export class RegistryError extends AmalgamError {
  constructor(message: string) {
    super(message);
  }
}
