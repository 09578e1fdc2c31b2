import { constants } from './constants';
import type { RawStats } from './host';

/** Lambda's sandbox user and group. */
const sandboxUid = 993;
const sandboxGid = 990;

/** `fs.Stats`: what stat/lstat/fstat return. islet's file system has no links, devices or pipes. */
export class Stats {
  dev = 2049;
  ino: number;
  mode: number;
  nlink: number;
  uid = sandboxUid;
  gid = sandboxGid;
  rdev = 0;
  size: number;
  blksize = 4096;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  atime: Date;
  mtime: Date;
  ctime: Date;
  birthtime: Date;

  constructor(raw: RawStats) {
    this.ino = raw.ino;
    this.mode = raw.mode;
    this.nlink = raw.nlink;
    this.size = raw.size;
    this.blocks = Math.ceil(raw.size / 512);
    this.atimeMs = raw.atimeMs;
    this.mtimeMs = raw.mtimeMs;
    this.ctimeMs = raw.ctimeMs;
    this.birthtimeMs = raw.birthtimeMs;
    this.atime = new Date(raw.atimeMs);
    this.mtime = new Date(raw.mtimeMs);
    this.ctime = new Date(raw.ctimeMs);
    this.birthtime = new Date(raw.birthtimeMs);
  }

  isFile(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFLNK;
  }
  isBlockDevice(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFBLK;
  }
  isCharacterDevice(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFCHR;
  }
  isFIFO(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFIFO;
  }
  isSocket(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFSOCK;
  }
}

/** `fs.Dirent`: an entry of readdir({withFileTypes: true}). */
export class Dirent {
  constructor(
    readonly name: string | Uint8Array,
    private readonly type: 'f' | 'd' | 'o',
    readonly parentPath: string,
  ) {}

  /** The old name of parentPath, still set by Node 24. */
  get path(): string {
    return this.parentPath;
  }
  isFile(): boolean {
    return this.type === 'f';
  }
  isDirectory(): boolean {
    return this.type === 'd';
  }
  isSymbolicLink(): boolean {
    return false;
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
}
