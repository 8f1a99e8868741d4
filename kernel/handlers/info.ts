import ts from 'typescript';
import { PROTOCOL_VERSION } from '../protocol/message';

import { PACKAGE_VERSION } from '../../lib/util/package';

export function kernelInfo(): Record<string, unknown> {
  return {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 'amalgam',
    implementation_version: PACKAGE_VERSION,
    language_info: {
      name: 'typescript',
      version: ts.version,
      mimetype: 'text/typescript',
      file_extension: '.ts',
      codemirror_mode: { name: 'javascript', typescript: true },
      pygments_lexer: 'typescript',
      nbconvert_exporter: 'script',
    },
    banner: `amalgam ${PACKAGE_VERSION}: TypeScript ${ts.version} on Node ${process.version}, for deep learning (tfjs, arquero, danfo, Vega-Lite). %lsmagic lists the magics.`,
    help_links: [
      { text: 'TypeScript handbook', url: 'https://www.typescriptlang.org/docs/handbook/intro.html' },
      { text: 'TensorFlow.js API', url: 'https://js.tensorflow.org/api/latest/' },
      { text: 'Arquero API', url: 'https://idl.uw.edu/arquero/api/' },
      { text: 'Vega-Lite', url: 'https://vega.github.io/vega-lite/docs/' },
    ],
    debugger: false,
  };
}
