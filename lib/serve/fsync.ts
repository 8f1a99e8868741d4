// Durable files for the logs the server keeps (feedback, served sample): a new or renamed file
// survives a crash only once its folder's entry is on disk too.
import * as fs from 'node:fs';

/** fsync of a folder, so a file just created or renamed in it is durable. */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some filesystems refuse fsync on a folder; the file's own fsync still holds its data.
  }
}
