#!/usr/bin/env node
// `tandem-worker`: the commands a newcomer needs to install the prebuilt worker bundle and try it.
// Zero dependencies (it runs from an app's node_modules), one module per command in cli/.
import { parseArgs } from 'node:util';
import { copyAssets } from './cli/copy-assets.mjs';
import { serve } from './cli/serve.mjs';

const USAGE = `usage:
  tandem-worker copy-assets <dir>          copy the Tandem worker bundle into <dir> (e.g. public/tandem)
  tandem-worker serve <dir> [--port N]     serve <dir> over http://localhost to try a page out
                                           (default port 8080; --port 0 picks a free one)`;

/** Prints what was wrong and the usage, and exits 2 (bad arguments), as CLIs conventionally do. */
function usageError(message) {
  console.error(`tandem-worker: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
} catch (error) {
  // parseArgs' own messages are long-winded; name the offending option instead.
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') usageError(`unknown option "${option}".`);
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') usageError(`${option} needs a value.`);
  usageError(error.message);
}
const { values, positionals } = parsed;
const [command, dir, ...extra] = positionals;

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!command) usageError('no command given.');
if (command !== 'copy-assets' && command !== 'serve') usageError(`unknown command "${command}".`);
if (!dir) usageError(`${command} needs a <dir>.`);
if (extra.length) usageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')}.`);

if (command === 'copy-assets') {
  if (values.port !== undefined) usageError('--port is an option of serve, not of copy-assets.');
  process.exitCode = await copyAssets(dir);
} else {
  let port = 8080;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) usageError(`--port must be a number from 0 to 65535, not "${values.port}".`);
  }
  process.exitCode = await serve(dir, port);
}
