// Every pipeline step by type: one file per step (arquero's verbs/ as the model).
import { drop, type DropSpec } from './drop';
import { type LabelSpec, label, type OnehotSpec, onehot } from './encode';
import { type ImagesSpec, images } from './images';
import { type ImputeSpec, impute } from './impute';
import { type MinmaxSpec, minmax, type StandardizeSpec, standardize } from './scale';
import type { StepDefinition } from './step';

export type StepSpec = ImputeSpec | StandardizeSpec | MinmaxSpec | LabelSpec | OnehotSpec | DropSpec | ImagesSpec;

export const STEPS: Record<StepSpec['type'], StepDefinition<any, any>> = {
  impute,
  standardize,
  minmax,
  label,
  onehot,
  drop,
  images,
};

export const STEP_TYPES = Object.keys(STEPS) as StepSpec['type'][];
