// Everything importing amalgam registers, in one place: renderers for values that do not render
// themselves (tf.Tensor, Error, Vega-Lite specs, arquero tables, danfo frames) and the amalgamation's
// display. lib/index.ts imports this module for its effect; no other module registers on import.
import { registerTableRenderers } from './data/render';
import { registerBuiltinRenderers } from './display/renderers';
import { Amalgamation } from './model/amalgamation';
import { installDisplay } from './model/display';

registerBuiltinRenderers();
registerTableRenderers();
installDisplay(Amalgamation);
