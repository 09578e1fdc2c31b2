import type { EditorState, Text } from '@codemirror/state';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeError } from './api';
import { download } from './download';
import { CodeMirror, editorState } from './editor';
import { FileTree } from './file-tree';
import { formatBytes } from './format';
import { onReloadAll } from './hooks';
import { html } from './html';
import { downloadCode, type FunctionConfiguration, getFunction, updateFunctionCode } from './lambda-api';
import { checkFilePath, type FileMap, toBase64, unzipFiles, zipFiles } from './zip';

/** One file of the package being edited. */
interface CodeFile {
  /** Content as deployed; undefined for a file added here. */
  original?: string | Uint8Array;
  /** The deployed text as a CodeMirror document, to tell edits from the original cheaply. */
  originalDoc?: Text;
  /** The editor state, once the file was opened. */
  state?: EditorState;
}

/** The file a handler names: index.handler -> index.js (or .mjs, .cjs). */
function handlerFile(handler: string, paths: string[]): string | undefined {
  const base = handler.slice(0, handler.lastIndexOf('.'));
  return ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((p) => paths.includes(p));
}

/** What the parent page gets to drive the editor: save (Ctrl/Cmd-S) and whether anything changed. */
export interface CodeEditorHandle {
  save(): Promise<void>;
}

/**
 * The code tab: the package's file tree and CodeMirror, multi-file. Loads the zip from GetFunction's
 * Code.Location, unzips it in the browser, and saves by zipping again and calling UpdateFunctionCode.
 */
export function FunctionEditor(props: {
  config: FunctionConfiguration;
  onSaved(config: FunctionConfiguration): void;
  onDirty(dirty: boolean): void;
  handle: { current?: CodeEditorHandle };
}) {
  const name = props.config.FunctionName;
  const files = useRef(new Map<string, CodeFile>());
  const [paths, setPaths] = useState<string[]>([]);
  const [current, setCurrent] = useState('');
  const [changed, setChanged] = useState<Set<string>>(new Set());
  const [loadError, setLoadError] = useState('');
  const [loading, setLoading] = useState(true);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error' | 'busy'; text: string } | undefined>();
  const [newPath, setNewPath] = useState<string | undefined>();
  const [newPathError, setNewPathError] = useState('');
  const [version, setVersion] = useState(0);
  const deleted = useRef(new Set<string>());

  const markChanged = (path: string, isChanged: boolean) =>
    setChanged((s) => {
      if (s.has(path) === isChanged) return s;
      const n = new Set(s);
      if (isChanged) n.add(path);
      else n.delete(path);
      return n;
    });

  const dirty = changed.size > 0 || deleted.current.size > 0;
  useEffect(() => {
    props.onDirty(dirty);
    // A new edit after a save: the status goes back to "Unsaved changes".
    if (dirty) setStatus((st) => (st?.kind === 'ok' ? undefined : st));
  }, [dirty]);

  const stateFor = (path: string): EditorState | undefined => {
    const f = files.current.get(path);
    if (!f || typeof f.original === 'object') return undefined;
    if (!f.state) {
      f.state = editorState(typeof f.original === 'string' ? f.original : '', path, {
        label: `Code of ${path}`,
        onUpdate: (state, docChanged) => {
          f.state = state;
          if (docChanged) markChanged(path, f.originalDoc === undefined || !state.doc.eq(f.originalDoc));
        },
      });
      if (typeof f.original === 'string') f.originalDoc = f.state.doc;
    }
    return f.state;
  };

  const load = async () => {
    setLoading(true);
    setLoadError('');
    try {
      const fn = await getFunction(name);
      const unzipped = unzipFiles(await downloadCode(fn.Code.Location));
      files.current = new Map(Object.entries(unzipped).map(([p, content]) => [p, { original: content }]));
      deleted.current = new Set();
      const list = [...files.current.keys()].sort();
      setPaths(list);
      setChanged(new Set());
      setCurrent(
        handlerFile(fn.Configuration.Handler, list) ??
          list.find((p) => !p.includes('node_modules/')) ??
          list[0] ??
          '',
      );
      setVersion((v) => v + 1);
    } catch (e) {
      setLoadError(describeError(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load();
  }, [name]);

  /** The package as it is in the editor now. */
  const currentFiles = (): FileMap => {
    const out: FileMap = {};
    for (const [p, f] of files.current) {
      if (deleted.current.has(p)) continue;
      out[p] = f.state ? f.state.doc.toString() : (f.original ?? '');
    }
    return out;
  };

  const save = async () => {
    setStatus({ kind: 'busy', text: 'Saving…' });
    try {
      const zip = zipFiles(currentFiles());
      // The page's configuration carries the newest RevisionId (configuration saves change it too).
      const config = await updateFunctionCode(name, toBase64(zip), props.config.RevisionId);
      for (const p of deleted.current) files.current.delete(p);
      deleted.current = new Set();
      for (const f of files.current.values()) {
        if (f.state) {
          f.original = f.state.doc.toString();
          f.originalDoc = f.state.doc;
        }
      }
      setChanged(new Set());
      setPaths([...files.current.keys()].sort());
      setStatus({ kind: 'ok', text: `Saved (${formatBytes(zip.length)} zipped)` });
      props.onSaved(config);
    } catch (e) {
      const stale = e instanceof ApiError && e.code === 'PreconditionFailedException';
      setStatus({
        kind: 'error',
        text: stale
          ? 'The function was changed elsewhere since it was opened: download your changes, reload, and apply them again.'
          : `Save failed: ${describeError(e)}`,
      });
    }
  };
  props.handle.current = { save };

  const addFile = (e: Event) => {
    e.preventDefault();
    const p = (newPath ?? '').trim();
    const problem =
      checkFilePath(p) ?? (files.current.has(p) && !deleted.current.has(p) ? 'That file exists.' : undefined);
    if (problem) return setNewPathError(problem);
    deleted.current.delete(p);
    files.current.set(p, {});
    setPaths([...files.current.keys()].filter((x) => !deleted.current.has(x)).sort());
    markChanged(p, true);
    setCurrent(p);
    setVersion((v) => v + 1);
    setNewPath(undefined);
    setNewPathError('');
  };

  const removeFile = () => {
    if (!current || !confirm(`Delete ${current} from the package? (It is removed when you save.)`)) return;
    deleted.current.add(current);
    markChanged(current, false);
    const rest = paths.filter((p) => p !== current);
    setPaths(rest);
    setCurrent(rest[0] ?? '');
    setVersion((v) => v + 1);
  };

  // A load refused for want of a signature is tried again once the user signs in.
  useEffect(() => (loadError ? onReloadAll(load) : undefined), [loadError]);

  if (loading && paths.length === 0) return html`<p class="muted" role="status">Loading the code…</p>`;
  if (loadError)
    return html`<div><p class="error" role="alert">Could not load the code: ${loadError}</p><button type="button" onClick=${load}>Try again</button></div>`;

  const f = files.current.get(current);
  const state = current ? stateFor(current) : undefined;
  return html`<div class="code-tab">
    <aside class="code-files">
      <${FileTree} paths=${paths} current=${current} changed=${changed}
        onOpen=${(p: string) => {
          setCurrent(p);
          setVersion((v) => v + 1);
        }} />
      ${
        newPath === undefined
          ? html`<button type="button" class="small-button" onClick=${() => setNewPath('')}>New file</button>`
          : html`<form class="new-file" onSubmit=${addFile}>
              <label for="new-file-path">New file path</label>
              <input id="new-file-path" value=${newPath} placeholder="lib/util.js" spellcheck="false" autoFocus
                onInput=${(e: Event) => setNewPath((e.target as HTMLInputElement).value)}
                onKeyDown=${(e: KeyboardEvent) => e.key === 'Escape' && setNewPath(undefined)}
                aria-invalid=${newPathError ? 'true' : undefined} aria-describedby=${newPathError ? 'new-file-error' : undefined} />
              ${newPathError ? html`<p class="field-error" id="new-file-error">${newPathError}</p>` : null}
              <div class="actions"><button type="button" onClick=${() => setNewPath(undefined)}>Cancel</button><button type="submit">Add</button></div>
            </form>`
      }
    </aside>
    <div class="code-main">
      <div class="code-toolbar">
        <span class="code-path">${current || 'No file'}</span>
        <span class=${`status ${status?.kind ?? ''}`} role="status" aria-live="polite">${
          status?.text ?? (dirty ? 'Unsaved changes' : '')
        }</span>
        <button type="button" onClick=${() => download(`${name}.zip`, zipFiles(currentFiles()), 'application/zip')}>Download .zip</button>
        <button type="button" onClick=${removeFile} disabled=${!current}>Delete file</button>
        <button type="button" class="primary" onClick=${save} disabled=${!dirty || status?.kind === 'busy'}
          title="Ctrl+S / ⌘S">Save</button>
      </div>
      ${
        state
          ? html`<${CodeMirror} state=${state} docKey=${`${version}:${current}`} class="code-editor" />`
          : f && f.original instanceof Uint8Array
            ? html`<p class="muted binary">${current} is a binary file (${formatBytes(f.original.length)}); it is kept as it is.</p>`
            : html`<p class="muted">The package has no files.</p>`
      }
    </div>
  </div>`;
}
