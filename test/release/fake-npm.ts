// A stand-in for npm, for scripts/lib/npm-publish.ts: answers `npm --version`, `npm view` and
// `npm publish` from environment variables, and appends each call to $FAKE_NPM_LOG as one JSON
// line with what npm would authenticate with (the user config's text, whether NPM_TOKEN is set).
// FAKE_NPM_VERSION: what --version says (11.6.2). FAKE_NPM_PUBLISHED: the integrity `npm view`
// reports, or E404 (default). FAKE_NPM_PUBLISH_EXIT: publish's exit code (0).
import { appendFileSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const userConfig = process.env.NPM_CONFIG_USERCONFIG;
appendFileSync(
  process.env.FAKE_NPM_LOG!,
  `${JSON.stringify({
    args,
    userConfig: userConfig ? readFileSync(userConfig, 'utf8') : null,
    registry: process.env.NPM_CONFIG_REGISTRY,
    tokenSet: Boolean(process.env.NPM_TOKEN),
  })}\n`,
);
if (args[0] === '--version') {
  process.stdout.write(`${process.env.FAKE_NPM_VERSION ?? '11.6.2'}\n`);
} else if (args[0] === 'view') {
  const published = process.env.FAKE_NPM_PUBLISHED ?? 'E404';
  if (published === 'E404') {
    process.stderr.write(`npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/${args[1]}\n`);
    process.exit(1);
  }
  if (published === 'E500') {
    process.stderr.write('npm error code E500\nnpm error 500 Internal Server Error\n');
    process.exit(1);
  }
  process.stdout.write(`${published}\n`);
} else if (args[0] === 'publish') {
  process.exit(Number(process.env.FAKE_NPM_PUBLISH_EXIT ?? 0));
} else {
  process.stderr.write(`unexpected call: ${args.join(' ')}\n`);
  process.exit(1);
}
