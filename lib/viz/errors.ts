import { AmalgamError } from '../util/errors';

/** A chart asked of data that cannot give it; the message names the chart, column or option. */
export class VizError extends AmalgamError {}
