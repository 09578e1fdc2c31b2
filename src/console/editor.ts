import { javascript } from '@codemirror/lang-javascript';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, type KeyBinding, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html';
import { page } from './page';

/** The language support for a file, by its extension. */
function languageFor(path: string): Extension {
  if (/\.(m|c)?jsx?$/.test(path) || path.endsWith('.json')) return javascript({ jsx: path.endsWith('x') });
  if (/\.(m|c)?tsx?$/.test(path)) return javascript({ typescript: true, jsx: path.endsWith('x') });
  return [];
}

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    lineHeight: '1.5',
  },
  '&.cm-focused': { outline: '2px solid #2563eb', outlineOffset: '-2px' },
});

/** Options of an editor state. */
export interface EditorOptions {
  /** What screen readers call the editor ("index.js", "Test event"). */
  label: string;
  /** Called on every update (doc, selection) with the new state. */
  onUpdate?(state: EditorState, docChanged: boolean): void;
  keys?: KeyBinding[];
  readOnly?: boolean;
}

/** An editor state for one document: line numbers, search (Mod-F), history, brackets, highlighting. */
export function editorState(doc: string, path: string, options: EditorOptions): EditorState {
  return EditorState.create({
    doc,
    extensions: [
      basicSetup,
      languageFor(path),
      theme,
      // CodeMirror adds its styles in a <style> element: the page's CSP allows it by this nonce.
      EditorView.cspNonce.of(page.styleNonce),
      EditorView.contentAttributes.of({ 'aria-label': options.label }),
      EditorState.readOnly.of(options.readOnly === true),
      keymap.of(options.keys ?? []),
      EditorView.updateListener.of((u) => options.onUpdate?.(u.state, u.docChanged)),
    ],
  });
}

/**
 * Shows an editor state. The view owns its state while the user types: `state` is taken only when
 * `docKey` changes (another file, a reloaded one), so a re-render never undoes an edit.
 */
export function CodeMirror({
  state,
  docKey,
  class: className,
}: {
  state: EditorState;
  docKey: string;
  class?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  useEffect(() => {
    if (!host.current) return;
    view.current = new EditorView({ state, parent: host.current });
    return () => {
      view.current?.destroy();
      view.current = undefined;
    };
  }, []);
  useEffect(() => {
    if (view.current && view.current.state !== state) view.current.setState(state);
  }, [docKey]);
  return html`<div class=${`editor ${className ?? ''}`} ref=${host}></div>`;
}
