/** The part of jsfive (pure-JS HDF5 reader, ships no types) that the Keras importers use. */
declare module 'jsfive' {
  export type Attrs = Record<string, unknown>;
  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Attrs;
    get(path: string): Group | Dataset | undefined;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly name: string;
    readonly shape: number[];
    /** numpy-style, e.g. '<f4'; compound/variable types are objects. */
    readonly dtype: string | object;
    readonly value: ArrayLike<number>;
    readonly attrs: Attrs;
  }
}
