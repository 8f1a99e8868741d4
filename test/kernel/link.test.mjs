// `amalgam link` (run by `npm run setup`): the command on PATH, pointing at this checkout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chooseBinDir } from '../../dist/kernel/cli/link.js';
import { CLI } from '../helpers/kernelspec.mjs';

const link = (args, env = process.env) =>
  spawnSync(process.execPath, [CLI, 'link', ...args], { encoding: 'utf8', env });

test('amalgam link puts the command in a folder, and it then runs by name from PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-bin-'));
  const r = link(['--dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /is not on PATH: add\n {2}export PATH=/);
  assert.ok(lstatSync(join(dir, 'amalgam')).isSymbolicLink());
  assert.equal(realpathSync(readlinkSync(join(dir, 'amalgam'))), realpathSync(CLI));
  // By name, from another folder, as the README writes it.
  const v = spawnSync('amalgam', ['--version'], {
    encoding: 'utf8',
    cwd: tmpdir(),
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
  });
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  // Again: the link is replaced; a file that is not a link is left alone, with an error naming it.
  assert.equal(link(['--dir', dir]).status, 0);
  const other = mkdtempSync(join(tmpdir(), 'amalgam-bin-'));
  writeFileSync(join(other, 'amalgam'), '#!/bin/sh\n');
  const refused = link(['--dir', other]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /amalgam exists and is not a link to amalgam/);
  const typo = link(['--dirr', other]);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown flag --dirr \(did you mean --dir\?\)/);
});

test('without --dir: ~/.local/bin when it is on PATH, else the PATH line to add', () => {
  const home = mkdtempSync(join(tmpdir(), 'amalgam-home-'));
  const local = join(home, '.local', 'bin');
  mkdirSync(local, { recursive: true });
  assert.deepEqual(chooseBinDir({ HOME: home, PATH: `/nonexistent:${local}` }), { dir: local, onPath: true });
  assert.deepEqual(chooseBinDir({ HOME: home, PATH: '/nonexistent' }), { dir: local, onPath: false });
  const r = link([], { ...process.env, HOME: home, PATH: `${local}:${process.env.PATH}` });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /is on PATH, so `amalgam --help` works/);
  assert.ok(lstatSync(join(local, 'amalgam')).isSymbolicLink());
});
