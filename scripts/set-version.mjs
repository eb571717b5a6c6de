// Set the version of both packages: `npm run set-version -- 0.2.0`.
// package.json (the extension) is the one place the version is read from: the
// page bundles it (src/_version.ts), the wheel reads it (pyproject.toml). The
// relay's package.json is kept equal to it here, and a unit test fails if
// they drift.
import { readFileSync, writeFileSync } from 'node:fs';

const version = process.argv[2];
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? '')) {
  console.error('usage: npm run set-version -- <major.minor.patch>');
  process.exit(2);
}
const edit = (file, change) => {
  const json = JSON.parse(readFileSync(file, 'utf-8'));
  change(json);
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
};
edit('package.json', json => {
  json.version = version;
});
edit('relay/package.json', json => {
  json.version = version;
});
console.log(`version ${version}; now run npm install to update the lockfile`);
