// %%html, %%markdown: the cell body as rich text.
import { html, markdown } from '../../lib/display/bundle';
import { defineMagic } from '../../lib/magics/magic';

defineMagic({ name: 'html', kind: 'cell', description: 'Shows the cell body as HTML.', run: ({ body }) => html(body) });

defineMagic({
  name: 'markdown',
  kind: 'cell',
  description: 'Shows the cell body as Markdown.',
  run: ({ body }) => markdown(body),
});
