/** An error as Jupyter shows it: `ename`, `evalue`, and traceback lines (ANSI colours allowed). */
export class CellError extends Error {
  constructor(
    readonly ename: string,
    readonly evalue: string,
    readonly traceback: string[],
  ) {
    super(evalue);
    this.name = ename;
  }
}

const RED = '\x1b[0;31m',
  GREEN = '\x1b[0;32m',
  BOLD = '\x1b[1m',
  RESET = '\x1b[0m';

/** The cell's line with a caret under the column, IPython style. */
export function codeFrame(code: string, line: number, column: number): string[] {
  const lines = code.split('\n');
  const out: string[] = [];
  for (let i = Math.max(1, line - 1); i <= Math.min(lines.length, line + 1); i++) {
    const marker = i === line ? `${GREEN}---->${RESET}` : '     ';
    out.push(`${marker} ${String(i).padStart(3)} ${lines[i - 1]}`);
    if (i === line) out.push(`${' '.repeat(10 + Math.max(0, column - 1))}${RED}^${RESET}`);
  }
  return out;
}

export function headline(ename: string, evalue: string): string {
  return `${RED}${BOLD}${ename}${RESET}: ${evalue}`;
}
