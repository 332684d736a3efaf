import type { ChildProcess } from 'node:child_process';

/**
 * Resolves once `child` has exited, at once if it already has (by a code or a signal). Take it
 * before sending a kill, so an exit that comes at once is not missed.
 */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}
