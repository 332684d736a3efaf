/** Prints an app's configuration table for the README: `node -r ./scripts/register.cjs scripts/docs/config-table.ts ingest`. */
import { describeSchema, type Schema } from '@streamcell/config';
import { alertsSchema } from '../../apps/alerts/src/config';
import { ingestSchema } from '../../apps/ingest/src/config';
import { inferenceSchema } from '../../apps/inference/src/config';
import { trainerSchema } from '../../apps/trainer/src/config';

const schemas: Record<string, Schema> = { ingest: ingestSchema, inference: inferenceSchema, trainer: trainerSchema, alerts: alertsSchema };
const name = process.argv[2] ?? 'ingest';
const schema = schemas[name];
if (schema === undefined) {
  process.stderr.write(`unknown app ${name}; one of ${Object.keys(schemas).join(', ')}\n`);
  process.exit(2);
}
process.stdout.write(`${describeSchema(schema)}\n`);
