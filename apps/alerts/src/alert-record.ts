import type { DecodedAlert } from '@streamcell/events';

/** An `alerts` record as the deserializer hands it to the handler: where it came from, its bytes, and the decoded alert or why not. */
export interface AlertRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly decoded: DecodedAlert;
}
