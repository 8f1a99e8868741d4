// Export in the standard tfjs layers format: model.json + weights.bin, readable by
// tf.loadLayersModel, with the representation and output names in its user metadata.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Versionable } from './types';

export interface ExportResult {
  dir: string;
  files: string[];
  bytes: number;
}

export async function exportTfjs(model: Versionable, dir: string): Promise<ExportResult> {
  fs.mkdirSync(dir, { recursive: true });
  let written: ExportResult | undefined;
  await model.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      // WeightData may be one buffer or several (tfjs ≥ 4.10); join them into the one weights.bin.
      const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `amalgam (TensorFlow.js ${tf.version.tfjs})`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: {
          amalgam: {
            representations: model.representationNames,
            outputs: model.outputNames,
            version: model.version ?? null,
            config: model.config,
          },
        },
      };
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      written = { dir, files: ['model.json', 'weights.bin'], bytes: weights.length };
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length },
      };
    }),
  );
  return written!;
}

/** Reads an exported folder back with tf.loadLayersModel (no tfjs-node file:// handler needed). */
export async function loadExported(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const data = fs.readFileSync(path.join(dir, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  );
}
