import htm from 'htm';
import { h } from 'preact';

/** Tagged templates for preact elements (htm): the console's views are written with it, no JSX build. */
export const html = htm.bind(h);
