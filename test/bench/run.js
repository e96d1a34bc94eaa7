#!/usr/bin/env node
// dpb benchmark suite launcher: `npm run bench [-- ARGS]` (see test/bench/README.md).
// The harness is TypeScript (test/bench/src, type-checked by `tsc -p test`);
// this launcher transpiles it on the fly with the installed TypeScript
// compiler, so the bench needs no build step of its own. The packages it
// measures are the compiled ones (packages/*/dist), as `npm run bench` runs
// `tsc -b` first.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
let tsModule;
const ts = new Proxy({}, { get: (_, k) => (tsModule ??= require('typescript'))[k] });
// The compiler's version, for the cache key, read without loading the compiler: a cache hit must not
// put TypeScript (about 60 MiB of heap) into the measured process (the memory scenario's child).
const tsVersion = require('typescript/package.json').version;

const crypto = require('node:crypto');

const srcDir = path.join(__dirname, 'src');
// Transpiled output is cached by content hash (transpiling costs a few seconds per run otherwise).
const cacheDir = path.join(__dirname, '../../node_modules/.cache/dpb-bench');
const compile = require.extensions['.js'];
require.extensions['.ts'] = (module, filename) => {
  if (!filename.startsWith(srcDir)) return compile(module, filename);
  const source = fs.readFileSync(filename, 'utf8');
  const hash = crypto.createHash('sha256').update(tsVersion).update(filename).update(source).digest('hex').slice(0, 32);
  const cached = path.join(cacheDir, `${hash}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true },
    }).outputText;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      fs.writeFileSync(cached, code);
    } catch {
      // no cache: fine
    }
  }
  module._compile(code, filename);
};

require('./src/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exitCode = 1;
  });
