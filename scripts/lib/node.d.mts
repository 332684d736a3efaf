// Types of node.mjs (plain ESM: it runs before any TypeScript loader is installed).
export const pinnedNode: string;
export function minimumNode(root: string): [number, number, number];
export function satisfies(version: string, minimum: readonly number[]): boolean;
export function ensureSupportedNode(root: string, script: string, args: readonly string[]): Promise<void>;
