// Retrieve heads index (up to 10,000 of) the training rows' representations when training ends.
import type { Callback, TrainingState } from './base';

export class IndexRetrieval implements Callback {
  onTrainEnd(state: TrainingState): void {
    if (state.model.retrieval.size === 0) return;
    const x = state.train.x.slice(0, Math.min(state.train.n, 10_000));
    state.model.index(x);
    x.dispose();
  }
}
