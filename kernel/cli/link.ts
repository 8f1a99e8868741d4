import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** This checkout's command, the file a link points to. */
export const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'amalgam.js');

const writable = (dir: string) => {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Where `amalgam` goes: --dir if given; else the first of ~/.local/bin and /usr/local/bin that is
 * on PATH and writable (no sudo, nothing in the system's own bin folders); else ~/.local/bin,
 * created, with the PATH line to add.
 */
export function chooseBinDir(env: NodeJS.ProcessEnv = process.env, dir?: string): { dir: string; onPath: boolean } {
  const onPathList = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((d) => path.resolve(d));
  const isOnPath = (d: string) => onPathList.includes(path.resolve(d));
  if (dir) return { dir: path.resolve(dir), onPath: isOnPath(dir) };
  const local = path.join(env.HOME || os.homedir(), '.local', 'bin');
  for (const candidate of [local, '/usr/local/bin'])
    if (isOnPath(candidate) && fs.existsSync(candidate) && writable(candidate)) return { dir: candidate, onPath: true };
  return { dir: local, onPath: isOnPath(local) };
}

/** Links DIR/amalgam to this checkout's bin/amalgam.js; returns the message to print. */
export function linkCommand(options: { dir?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const { dir, onPath } = chooseBinDir(options.env ?? process.env, options.dir);
  fs.mkdirSync(dir, { recursive: true });
  const link = path.join(dir, 'amalgam');
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(link);
  } catch {
    /* none yet */
  }
  if (existing && !existing.isSymbolicLink())
    throw new Error(`${link} exists and is not a link to amalgam: remove it, or choose another folder with --dir DIR`);
  if (existing) fs.unlinkSync(link); // a link from another checkout: this one replaces it
  fs.symlinkSync(BIN, link);
  fs.chmodSync(BIN, 0o755);
  const where = `amalgam -> ${link} (links ${BIN})`;
  return onPath
    ? `${where}; ${dir} is on PATH, so \`amalgam --help\` works in a new shell`
    : `${where}; ${dir} is not on PATH: add\n  export PATH="${dir}:$PATH"\nto your shell's profile (~/.bashrc, ~/.zshrc), or run the commands as \`npx amalgam ...\` from this folder`;
}
