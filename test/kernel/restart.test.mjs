// Restart and shutdown as Jupyter does them (jupyter_client's KernelManager on the installed kernelspec).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { jupyterEnv, ROOT } from '../helpers/kernelspec.mjs';

test('restart gives a fresh kernel process and namespace; shutdown ends it', () => {
  const out = execFileSync('/usr/bin/python3', [join(ROOT, 'test', 'helpers', 'restart_kernel.py')], {
    env: jupyterEnv(),
    encoding: 'utf8',
    timeout: 120000,
  });
  const r = JSON.parse(out.trim().split('\n').pop());
  assert.deepEqual(r.before, ['ok', '42']);
  assert.deepEqual(r.after, ['ok', "'undefined'"]);
  assert.equal(r.new_process, true);
  assert.equal(r.alive_after_shutdown, false);
});
