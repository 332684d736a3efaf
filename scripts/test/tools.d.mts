// Types of tools.mjs (plain ESM so `npm test` runs it before any TypeScript loader is installed).
export interface SystemTool {
  readonly name: string;
  readonly neededBy: (files: readonly string[], env: NodeJS.ProcessEnv) => boolean;
  readonly present: (env: NodeJS.ProcessEnv) => boolean;
  readonly debian: string;
  readonly elsewhere: string;
}
export const systemTools: readonly SystemTool[];
export function onPath(cmd: string, env?: NodeJS.ProcessEnv): boolean;
export function missingTools(files: readonly string[], env?: NodeJS.ProcessEnv, tools?: readonly SystemTool[]): SystemTool[];
export function installInstructions(missing: readonly SystemTool[]): string;
export function ensureSystemTools(
  files: readonly string[],
  options?: {
    env?: NodeJS.ProcessEnv;
    isRoot?: boolean;
    log?: (message: string) => void;
    run?: (cmd: string, args: readonly string[], options: object) => { status: number | null };
  },
): SystemTool[];
export interface PythonPackage {
  readonly name: string;
  readonly requirement: string;
  readonly neededBy: (files: readonly string[]) => boolean;
  readonly present: (run?: (cmd: string, args: readonly string[], options: object) => { status: number | null }) => boolean;
}
export const pythonPackages: readonly PythonPackage[];
export function ensurePythonPackages(
  files: readonly string[],
  options?: {
    isRoot?: boolean;
    log?: (message: string) => void;
    run?: (cmd: string, args: readonly string[], options: object) => { status: number | null };
    packages?: readonly PythonPackage[];
  },
): PythonPackage[];
export function pythonInstructions(missing: readonly PythonPackage[]): string;
