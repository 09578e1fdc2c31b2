import { createRequire } from 'node:module';

/** Whether islet runs as a Node single executable application. */
export function isSingleExecutable(): boolean {
  try {
    const req = createRequire(__filename);
    return (req('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

/** How to start another islet process (an executor) from the one running now. */
export function selfCommand(args: string[]): { file: string; args: string[] } {
  if (isSingleExecutable()) return { file: process.execPath, args };
  return { file: process.execPath, args: ['--no-node-snapshot', process.argv[1], ...args] };
}
