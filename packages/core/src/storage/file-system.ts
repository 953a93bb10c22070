import type { Checksum } from './checksum.ts'

/**
 * The file operations load packages need. Core stays runtime-neutral by taking one of these;
 * `@sluice/core/node` provides the implementation for Node.js and Deno (`nodeFileSystem()`).
 * Paths are absolute, `/`-separated.
 */
export interface FileSystem {
  readText(path: string): Promise<string>
  /**
   * Writes atomically and durably: a temp file, flushed to disk (fsync), then renamed over `path`, then the
   * directory flushed, so that after a crash or power loss the file holds either the old or the new text.
   */
  writeText(path: string, text: string): Promise<void>
  /** Opens a file for appending chunks; `close()` flushes it to disk. */
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
  /**
   * Takes an exclusive lock named by `path` for this process, or fails with a `PIPELINE_LOCKED`
   * {@link SluiceError} naming the process that holds it. A lock its holder left behind (a killed process) is
   * taken over: `nodeFileSystem()` checks the pid on the same host and takes over a lock file its holder stopped
   * touching 5 minutes ago. Optional: a file system without it leaves runs of one pipeline unprotected from
   * each other.
   */
  lock?(path: string): Promise<FileLock>
  /**
   * A streaming CRC-32 (ISO-HDLC, as zlib computes it; digests `crc32:<8 hex digits>`) computed by the runtime.
   * Job files are then checksummed with it instead of core's XXH32 in JavaScript (`nodeFileSystem()`:
   * `node:zlib`'s `crc32`, from Node.js 20.15; about 0.15 CPU s less per 1M Clockodo entries on the pipeline's
   * thread). Optional: without it job files get XXH32 checksums.
   */
  crc32?(): Checksum
}

/** A lock taken by {@link FileSystem.lock}. */
export interface FileLock {
  /** Gives the lock up (idempotent). */
  release(): Promise<void>
}

/** An append-only file handle. */
export interface FileWriter {
  write(chunk: string | Uint8Array): Promise<void>
  /**
   * Flushes the file and its directory entry to disk (fsync) and closes it: once it resolves the file survives a
   * crash. Idempotent.
   */
  close(): Promise<void>
  /** Bytes written so far. */
  readonly bytes: number
}
