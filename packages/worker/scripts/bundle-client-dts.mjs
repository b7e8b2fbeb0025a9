// Declarations for the prebuilt dist/bundle/tandem-client.js: one standalone .d.ts beside it, for a
// page that imports './tandem/tandem-client.js' with no @tandem/client installed. No d.ts bundler:
// the TypeScript compiler emits the declarations of @tandem/client's sources (and of every workspace
// package they import, found by its '@tandem/source' entry) in memory; their declarations are joined into one module,
// imports and re-exports dropped, and the file ends with exactly the exports of the client's index.
// That is sound only while no two modules declare the same name and no import renames one: both
// are checked, and the result is type-checked alone before it is written.
import ts from 'typescript';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * @param {{ clientDir: string, outFile: string }} options clientDir: packages/client (its tsconfig.build.json and src/index.ts).
 */
export async function bundleClientDeclarations({ clientDir, outFile }) {
  const configPath = join(clientDir, 'tsconfig.build.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(format([d])) });
  const entry = join(clientDir, 'src/index.ts');
  const options = {
    ...parsed.options,
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
    sourceMap: false,
    declarationMap: false,
    rootDir: dirname(dirname(clientDir)), // the client's and the core's sources are both emitted
    outDir: '/virtual-dts',
    // By path, not through node_modules: TypeScript emits no declarations for a package it finds there.
    paths: await workspaceSources(dirname(clientDir)),
  };
  const program = ts.createProgram({ rootNames: [entry], options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length) fail(format(diagnostics));

  /** @type {Map<string, string>} emitted .d.ts text by source file */
  const emitted = new Map();
  const result = program.emit(undefined, (fileName, text, _bom, _onError, sources) => {
    if (fileName.endsWith('.d.ts') && sources?.[0]) emitted.set(sources[0].fileName, text);
  });
  if (result.emitSkipped || result.diagnostics.length) fail(format(result.diagnostics));

  const declared = new Map(); // name → the file that declares it
  const parts = [];
  for (const [source, text] of emitted) {
    const file = ts.createSourceFile(source + '.d.ts', text, ts.ScriptTarget.Latest, true);
    if (file.referencedFiles.length || file.typeReferenceDirectives.length) fail(`${source}: /// <reference> directives are not supported`);
    if (/\bimport\(/.test(text)) fail(`${source}: import() types are not supported`);
    const kept = [];
    for (const statement of file.statements) {
      if (ts.isImportDeclaration(statement)) {
        const bindings = statement.importClause?.namedBindings;
        if (statement.importClause?.name || (bindings && !ts.isNamedImports(bindings))) fail(`${source}: only named imports are supported`);
        for (const element of bindings?.elements ?? []) if (element.propertyName) fail(`${source}: import renames ${element.propertyName.text}`);
        continue;
      }
      if (ts.isExportDeclaration(statement)) {
        // A local `export { a as b }` (no module specifier) would need the alias kept.
        if (!statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
          for (const element of statement.exportClause.elements) if (element.propertyName) fail(`${source}: export renames ${element.propertyName.text}`);
        }
        continue;
      }
      if (ts.isExportAssignment(statement)) fail(`${source}: export default / export = is not supported`);
      for (const name of declaredNames(statement)) {
        const other = declared.get(name);
        // Interfaces and namespaces merge across declarations; across modules that would be a new meaning.
        if (other && other !== source) fail(`${name} is declared in both ${other} and ${source}`);
        declared.set(name, source);
      }
      kept.push(stripExport(text.slice(statement.getFullStart(), statement.getEnd()).trim()));
    }
    parts.push(kept.join('\n'));
  }

  // The index's exports, each as a value or a type only (as the client's index declares them).
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(entry);
  const values = [];
  const types = [];
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(index))) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const local = target.name;
    if (!declared.has(local)) fail(`export ${symbol.name} has no declaration in the bundle`);
    const spec = local === symbol.name ? local : `${local} as ${symbol.name}`;
    const typeOnly = symbol.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration?.(d)) || !(target.flags & ts.SymbolFlags.Value);
    (typeOnly ? types : values).push(spec);
  }
  const text =
    '// Generated by @tandem/worker scripts/build-bundle.mjs: the declarations of tandem-client.js.\n' +
    parts.join('\n') +
    `\nexport { ${values.sort().join(', ')} };\nexport type { ${types.sort().join(', ')} };\n`;

  // Alone, strict: the file must type-check with nothing else installed.
  const host = ts.createCompilerHost({});
  const readFile = host.readFile;
  const virtual = join(dirname(outFile), '__check__.d.ts');
  host.readFile = (f) => (f === virtual ? text : readFile.call(host, f));
  host.fileExists = ((exists) => (f) => f === virtual || exists.call(host, f))(host.fileExists);
  const check = ts.createProgram({
    rootNames: [virtual],
    options: { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, skipLibCheck: false, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
    host,
  });
  const checkDiagnostics = ts.getPreEmitDiagnostics(check);
  if (checkDiagnostics.length) fail(`the bundled declarations do not type-check:\n${format(checkDiagnostics)}`);
  await writeFile(outFile, text);
  return { exports: values.length + types.length };
}

/** Every workspace package's entries ('@tandem/core', '@tandem/core/x', ...) → their '@tandem/source' file. */
async function workspaceSources(packagesDir) {
  const paths = {};
  for (const dir of await readdir(packagesDir)) {
    const manifestPath = join(packagesDir, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source = typeof target === 'object' ? target['@tandem/source'] : undefined;
      if (source) paths[manifest.name + subpath.slice(1)] = [join(packagesDir, dir, source)];
    }
  }
  return paths;
}

function declaredNames(statement) {
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : fail('destructured declaration')));
  if (statement.name && ts.isIdentifier(statement.name)) return [statement.name.text];
  if (ts.isModuleDeclaration(statement) && ts.isStringLiteral(statement.name)) fail(`declare module '${statement.name.text}' is not supported`);
  return [];
}

/** `export declare class X` → `declare class X`; `export interface X` → `interface X`. */
function stripExport(text) {
  return text.replace(/^((?:\/\*\*[\s\S]*?\*\/|\/\/[^\n]*|\s)*)export (default )?/, (_, lead, isDefault) => {
    if (isDefault) fail('export default is not supported');
    return lead;
  });
}

function format(diagnostics) {
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' });
}

function fail(message) {
  throw new Error(`tandem-client.d.ts: ${message}`);
}
