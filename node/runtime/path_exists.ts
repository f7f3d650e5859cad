/** Whether a path exists, for the node, the CLI and the tools (not for the pure core). */

export interface PathExistsOptions {
  /**
   * `false` checks the path itself (`lstat`): a symbolic link counts as present
   * even when its target is gone. Default `true` (`stat`, the link's target).
   */
  followSymlinks?: boolean;
}

/**
 * Whether something exists at `path`. Only "not found" answers `false`; any
 * other failure (permission denied, a file where a directory is expected) is
 * thrown, so an unreadable path is never taken for a free one.
 *
 * @example
 * ```ts
 * if (await pathExists(keystorePath)) throw new Error(`${keystorePath} already exists`);
 * ```
 */
export async function pathExists(path: string, opts: PathExistsOptions = {}): Promise<boolean> {
  try {
    await (opts.followSymlinks === false ? Deno.lstat(path) : Deno.stat(path));
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
