// ansis (oclif's colours) decides at load whether the terminal takes colour. Loaded while the
// start-up snapshot is built, that decision would be the build's (no terminal) for every later
// run; this stand-in loads the real module on first use, in the run that uses it.
'use strict';
let real;
function load() {
  if (!real) {
    if (require('node:v8').startupSnapshot.isBuildingSnapshot())
      throw new Error(
        'ansis was used while building the start-up snapshot; its colour decision would be frozen',
      );
    real = require('ansis');
  }
  return real;
}
module.exports = new Proxy(function ansis() {}, {
  get(_target, key) {
    // __importDefault asks this at import: answer without loading (the real module is plain CJS).
    if (key === '__esModule') return undefined;
    if (key === 'default') return module.exports;
    return load()[key];
  },
  has: (_target, key) => key in load(),
  apply: (_target, self, args) => load().apply(self, args),
});
