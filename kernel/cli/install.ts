import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOGO_SVG, logoPng } from './logo';

export interface InstallOptions {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
  name?: string;
  displayName?: string;
}

/** Where Jupyter looks for kernelspecs for each install flavour (no Python needed to decide). */
export function kernelsDir(o: InstallOptions): string {
  if (o.prefix) return path.join(path.resolve(o.prefix), 'share', 'jupyter', 'kernels');
  if (o.sysPrefix) {
    const prefix = process.env.CONDA_PREFIX || process.env.VIRTUAL_ENV;
    if (!prefix)
      throw new Error(
        '--sys-prefix: no active Python environment (CONDA_PREFIX / VIRTUAL_ENV unset); use --prefix PATH',
      );
    return path.join(prefix, 'share', 'jupyter', 'kernels');
  }
  const data =
    process.env.JUPYTER_DATA_DIR ||
    (process.platform === 'darwin'
      ? path.join(os.homedir(), 'Library', 'Jupyter')
      : process.platform === 'win32'
        ? path.join(process.env.APPDATA ?? os.homedir(), 'jupyter')
        : path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter'));
  return path.join(data, 'kernels');
}

export function installKernelspec(o: InstallOptions): string {
  const name = o.name ?? 'amalgam';
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`--name: kernel names are letters, digits, . _ - (got ${name})`);
  const dir = path.join(kernelsDir(o), name);
  fs.mkdirSync(dir, { recursive: true });
  const bin = path.resolve(__dirname, '..', '..', '..', 'bin', 'amalgam.js');
  const spec = {
    argv: [process.execPath, bin, 'kernel', '{connection_file}'],
    display_name: o.displayName ?? (name === 'amalgam' ? 'TypeScript (amalgam)' : `TypeScript (${name})`),
    language: 'typescript',
    interrupt_mode: 'message',
    env: {},
    metadata: { debugger: false },
  };
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'logo-svg.svg'), LOGO_SVG);
  fs.writeFileSync(path.join(dir, 'logo-32x32.png'), logoPng(32));
  fs.writeFileSync(path.join(dir, 'logo-64x64.png'), logoPng(64));
  return dir;
}
