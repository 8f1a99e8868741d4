// deploy/: what can be checked without Docker or a cluster. The container's command and the KServe
// runtime's arguments are ones `amalgam serve` accepts, the probes and metrics paths it serves
// answer as the manifests expect (health without the token), and the manifests are consistent.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { parseArgs } from '../../dist/lib/magics/args.js';
import { serveOptions } from '../../dist/kernel/cli/serve.js';
import { start } from '../../dist/lib/serve/index.js';
import { request, ROOT, tempRegistry, trainDigits } from './fixtures.mjs';

const read = (f) => fs.readFileSync(path.join(ROOT, 'deploy', f), 'utf8');
const booleans = ['no-batching', 'log', 'json'];

test('the Dockerfile runs amalgam serve with arguments it accepts, on 0.0.0.0:8080', () => {
  const docker = read('Dockerfile');
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)[1]);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(docker)[1]);
  assert.deepEqual(entry, ['node', 'bin/amalgam.js']);
  assert.equal(cmd[0], 'serve');
  const options = serveOptions(parseArgs(cmd.slice(1), booleans));
  assert.deepEqual([options.host, options.port, options.registry], ['0.0.0.0', 8080, '/models']);
  assert.match(docker, /^EXPOSE 8080$/m);
  assert.match(docker, /\/v2\/health\/ready/);
  for (const copied of [...docker.matchAll(/^COPY (?!--from)(\S+)/gm)].map((m) => m[1]))
    for (const f of copied.split(' ')) assert.ok(fs.existsSync(path.join(ROOT, f)), `COPY ${f} exists`);
});

test('the KServe runtime and InferenceService agree with each other and with amalgam serve', async () => {
  const runtime = YAML.parse(read('kserve/servingruntime.yaml'));
  const isvc = YAML.parse(read('kserve/inferenceservice.yaml'));
  assert.equal(runtime.kind, 'ServingRuntime');
  assert.deepEqual(runtime.spec.protocolVersions, ['v2']);
  assert.equal(isvc.kind, 'InferenceService');
  assert.equal(isvc.spec.predictor.model.runtime, runtime.metadata.name);
  assert.equal(isvc.spec.predictor.model.protocolVersion, 'v2');
  assert.equal(isvc.spec.predictor.model.modelFormat.name, runtime.spec.supportedModelFormats[0].name);
  const container = runtime.spec.containers[0];
  assert.equal(container.name, 'kserve-container');
  const args = container.args.map((a) => a.replace('{{.Name}}', isvc.metadata.name));
  const options = serveOptions(parseArgs(args.slice(1), booleans));
  assert.deepEqual(options.models, [`${isvc.metadata.name}@production`]);
  assert.equal(options.registry, '/mnt/models');
  assert.equal(options.port, container.ports[0].containerPort);
  assert.equal(Number(isvc.metadata.annotations['prometheus.kserve.io/port']), options.port);

  // The probes and the scrape path, against a real server with a token (probes carry none).
  const registry = tempRegistry('deploy');
  const { model } = await trainDigits(registry, { name: isvc.metadata.name, epochs: 1 });
  model.dispose();
  const server = await start({ ...options, registry, host: '127.0.0.1', port: 0, token: 't' });
  try {
    for (const probe of [container.readinessProbe, container.livenessProbe])
      assert.equal((await request(server.url + probe.httpGet.path)).status, 200, probe.httpGet.path);
    const metrics = isvc.metadata.annotations['prometheus.kserve.io/path'];
    assert.equal((await request(server.url + metrics, { headers: { authorization: 'Bearer t' } })).status, 200);
    assert.equal(
      (await request(`${server.url}/v2/models/${isvc.metadata.name}/ready`, { headers: { authorization: 'Bearer t' } }))
        .json.ready,
      true,
    );
  } finally {
    await server.close();
  }
});
