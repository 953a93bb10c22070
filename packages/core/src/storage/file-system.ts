/**
 * The file operations load packages need. Core stays runtime-neutral by taking one of these;
 * `@sluice/core/node` provides the implementation for Node.js and Deno (`nodeFileSystem()`).
 * Paths are absolute, `/`-separated.
 */
export interface FileSystem {
  readText(path: string): Promise<string>
  /** Writes atomically: a temp file, then rename. */
  writeText(path: string, text: string): Promise<void>
  /** Opens a file for appending chunks; `close()` flushes. */
  openWriter(path: string): Promise<FileWriter>
  /** Reads a file as a stream of chunks. */
  readStream(path: string): ReadableStream<Uint8Array>
  exists(path: string): Promise<boolean>
  /** Names of the entries of a directory; empty when it does not exist. */
  list(dir: string): Promise<string[]>
  mkdir(dir: string): Promise<void>
  rename(from: string, to: string): Promise<void>
  remove(path: string): Promise<void>
  size(path: string): Promise<number>
  /** Joins path segments with `/`. */
  join(...parts: string[]): string
}

/** An append-only file handle. */
export interface FileWriter {
  write(chunk: string | Uint8Array): Promise<void>
  close(): Promise<void>
  /** Bytes written so far. */
  readonly bytes: number
}
