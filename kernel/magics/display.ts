import { html, markdown } from '../../lib/display/bundle';
import { registerMagic } from '../../lib/magics/registry';

registerMagic({
  name: 'html',
  kind: 'cell',
  help: '%%html\n\nShows the cell body as HTML.',
  run: ({ body }) => html(body),
});

registerMagic({
  name: 'markdown',
  kind: 'cell',
  help: '%%markdown\n\nShows the cell body as Markdown.',
  run: ({ body }) => markdown(body),
});
