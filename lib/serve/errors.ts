import { AmalgamError } from '../util/errors';
/** A request the server refuses: the HTTP status (4xx) and a message naming the field or name at fault. */
export class ServeError extends AmalgamError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServeError';
  }
}

export const badRequest = (message: string) => new ServeError(400, message);
export const notFound = (message: string) => new ServeError(404, message);
