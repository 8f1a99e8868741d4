import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** amalgam's per-user folder: $AMALGAM_HOME, else ~/.amalgam. */
export function amalgamHome(): string {
  return process.env.AMALGAM_HOME || path.join(os.homedir(), '.amalgam');
}

/**
 * The REPL's history, kept across sessions in ~/.amalgam/repl_history: one JSON string per line,
 * oldest first, so an entry of several lines (a function) comes back whole.
 */
export class History {
  readonly file: string;
  /** Newest first, as readline keeps it. */
  readonly entries: string[];

  constructor(
    file = path.join(amalgamHome(), 'repl_history'),
    private readonly max = 1000,
  ) {
    this.file = file;
    this.entries = this.load();
  }

  private load(): string[] {
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const entries: string[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line);
        if (typeof entry === 'string') entries.push(entry);
      } catch {
        entries.push(line); // a plain line (an older or hand-written history)
      }
    }
    const newestFirst = [...new Set(entries.reverse())].slice(0, this.max);
    // Rewrite a file that has grown well past the limit, so it stays small.
    if (entries.length > this.max * 2) this.rewrite(newestFirst);
    return newestFirst;
  }

  private rewrite(newestFirst: string[]): void {
    try {
      fs.writeFileSync(
        this.file,
        newestFirst
          .map((e) => `${JSON.stringify(e)}\n`)
          .reverse()
          .join(''),
      );
    } catch {
      /* a read-only home: history lasts for this session */
    }
  }

  /** Adds an entry (moved to the front if it was there) and appends it to the file at once. */
  add(entry: string): void {
    if (!entry.trim()) return;
    const at = this.entries.indexOf(entry);
    if (at >= 0) this.entries.splice(at, 1);
    this.entries.unshift(entry);
    if (this.entries.length > this.max) this.entries.length = this.max;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    } catch {
      /* a read-only home: history lasts for this session */
    }
  }
}
