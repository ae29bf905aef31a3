/**
 * Unpacks the Chromium that `@sparticuz/chromium` ships into `$TMPDIR` and prints the
 * binary's path. Run as its own process by chromium.ts with TMPDIR set to a fresh
 * staging directory: the library always unpacks into `os.tmpdir()`, and changing
 * TMPDIR inside a test process would move every other temporary file with it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflate } from '@sparticuz/chromium';

const bin = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', 'bin');
const [binary] = await Promise.all([
  inflate(join(bin, 'chromium.br')), // the headless shell itself
  inflate(join(bin, 'fonts.tar.br')), // Open Sans, for machines with no fonts at all
  inflate(join(bin, 'swiftshader.tar.br')), // software GL, loaded from next to the binary
  // NSS, NSPR and expat: the library unpacks these only on Amazon Linux, but a fresh
  // Debian or Ubuntu image lacks NSS too, so chromium.ts puts them on LD_LIBRARY_PATH.
  inflate(join(bin, 'al2023.tar.br')),
]);
process.stdout.write(binary);
