// A file as data: what the writer puts on disk.

export interface FileSpec {
  /** Absolute path. */
  path: string;
  mode: number;
  contents: string | Buffer;
  /** uid/gid to chown to (only when running as root). */
  owner?: { uid: number; gid: number };
}

export interface DirSpec {
  path: string;
  mode: number;
  owner?: { uid: number; gid: number };
}
