// Errors the library raises on purpose, for bad input or use: their message names the thing (file,
// line, column, flag, head) and says what would work. Frontends show them as a one-line error; any
// other error is a bug and keeps its stack.
export class AmalgamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
