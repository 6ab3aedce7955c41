/**
 * First step of `npm test`: every program the tests and benchmarks run must
 * be on this machine. Prints one line naming the missing ones and their
 * Debian packages, and exits 1, before any other test runs.
 * `--group guest-build` checks what tools/guest/build.sh needs instead.
 */
import { missingMessage, missingPrograms, type ExternalProgram } from './lib/programs';

const i = process.argv.indexOf('--group');
const group = (i >= 0 ? process.argv[i + 1] : 'test') as ExternalProgram['group'];
const missing = missingPrograms(group);
if (missing.length > 0) {
  console.error(missingMessage(missing));
  process.exit(1);
}
