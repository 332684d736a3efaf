import { runModelCli } from './model-cli';

/** `streamcell model …` (bin/streamcell.cjs). */
void runModelCli(process.argv.slice(2), process.env, {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
}).then((code) => {
  process.exitCode = code;
});
