import { javascript } from '@codemirror/lang-javascript';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, type KeyBinding, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html';

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

/**
 * Typing over a selection is applied by CodeMirror itself rather than by the browser: Chrome's own
 * editing keeps the replaced text's look in a style attribute, which the page's CSP (no inline
 * style) refuses and reports. Input handlers (bracket closing) still see the text, as on any input.
 */
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    const sel = view.state.selection;
    if (event.inputType !== 'insertText' || !event.data || event.isComposing) return false;
    if (sel.ranges.length !== 1 || sel.main.empty) return false;
    event.preventDefault();
    const { from, to } = sel.main;
    const text = event.data;
    const insert = () =>
      view.state.update({
        changes: { from, to, insert: text },
        selection: { anchor: from + text.length },
        scrollIntoView: true,
        userEvent: 'input.type',
      });
    if (!view.state.facet(EditorView.inputHandler).some((h) => h(view, from, to, text, insert)))
      view.dispatch(insert());
    return true;
  },
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
      typeOverSelection,
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
    // In a shadow root CodeMirror puts its styles in a constructed stylesheet, not a <style>
    // element, so the page's CSP can stay at style-src 'self'.
    const root = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' });
    view.current = new EditorView({ state, root, parent: root });
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
