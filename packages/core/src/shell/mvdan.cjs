/**
 * mvdan-sh, loaded on first use rather than at import. Its GopherJS runtime calls
 * setTimeout while it initialises, which workerd forbids in a Worker's global scope
 * (wrangler dev refuses to start); inside a request it is allowed. esbuild and Node keep
 * a require() inside a function lazy.
 */
'use strict';
let loaded;
exports.syntax = function syntax() {
  if (loaded === undefined) loaded = require('mvdan-sh').syntax;
  return loaded;
};
