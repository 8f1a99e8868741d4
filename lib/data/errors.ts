import { closest } from '../util/text';
import { AmalgamError } from '../util/errors';

/** A data error that says where: file, line, column. Magics show the message as is. */
export class DataError extends AmalgamError {
  constructor(
    message: string,
    public details: { file?: string; line?: number; column?: string } = {},
  ) {
    super(message);
  }
}

/** Throws when `name` is not a column, naming the closest one. */
export function requireColumn(names: readonly string[], name: string, where = 'table'): void {
  if (names.includes(name)) return;
  const near = closest(name, names);
  throw new DataError(
    `unknown column "${name}" in ${where}${near ? ` (did you mean "${near}"?)` : ''}; columns: ${names.join(', ')}`,
    { column: name },
  );
}
