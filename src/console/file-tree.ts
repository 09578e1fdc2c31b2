import { useState } from 'preact/hooks';
import { html } from './html';

interface Folder {
  folders: Map<string, Folder>;
  files: string[];
}

function buildTree(paths: string[]): Folder {
  const root: Folder = { folders: new Map(), files: [] };
  for (const p of [...paths].sort()) {
    const parts = p.split('/');
    let node = root;
    for (const dir of parts.slice(0, -1)) {
      let next = node.folders.get(dir);
      if (!next) {
        next = { folders: new Map(), files: [] };
        node.folders.set(dir, next);
      }
      node = next;
    }
    node.files.push(p);
  }
  return root;
}

/** The files of a deployment package as folders (node_modules starts closed) and file buttons. */
export function FileTree(props: {
  paths: string[];
  current: string;
  /** Paths with unsaved changes. */
  changed: Set<string>;
  onOpen(path: string): void;
}) {
  const [closed, setClosed] = useState<Set<string>>(
    () =>
      new Set(
        props.paths.flatMap((p) =>
          p.includes('node_modules/') ? [p.slice(0, p.indexOf('node_modules/') + 12)] : [],
        ),
      ),
  );
  const toggle = (dir: string) =>
    setClosed((s) => {
      const n = new Set(s);
      if (n.has(dir)) n.delete(dir);
      else n.add(dir);
      return n;
    });
  const renderFolder = (folder: Folder, prefix: string): unknown =>
    html`<ul class="tree-level">
      ${[...folder.folders].map(([name, sub]) => {
        const dir = `${prefix}${name}`;
        const open = !closed.has(dir);
        return html`<li key=${dir}>
          <button type="button" class="tree-folder" aria-expanded=${open ? 'true' : 'false'} onClick=${() => toggle(dir)}>
            <span aria-hidden="true">${open ? '▾' : '▸'}</span> ${name}/</button>
          ${open ? renderFolder(sub, `${dir}/`) : null}
        </li>`;
      })}
      ${folder.files.map((path) => {
        const name = path.slice(prefix.length);
        return html`<li key=${path}>
          <button type="button" class=${`tree-file${path === props.current ? ' on' : ''}`} aria-current=${path === props.current ? 'true' : undefined}
            data-path=${path} onClick=${() => props.onOpen(path)}>
            ${name}${props.changed.has(path) ? html`<span class="dot" title="unsaved changes" aria-label="(unsaved changes)"></span>` : null}
          </button>
        </li>`;
      })}
    </ul>`;
  return html`<nav class="tree" aria-label="Files">${renderFolder(buildTree(props.paths), '')}</nav>`;
}
