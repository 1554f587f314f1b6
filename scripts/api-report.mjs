#!/usr/bin/env node
/**
 * API reports: the public surface of each package, read from its built declarations, written to
 * `packages/<name>/api/<name>.api.md` and checked in, so every change to what users can import
 * shows in review. test/packaging/api-report.test.ts fails when a report is stale.
 *
 * Per entry point (`@hubbub/client`, `@hubbub/client/browser`, ...): every export with its
 * declaration, sorted by name (members too), without doc comments (a doc change is not an API
 * change) and without private members; then the declarations the exports refer to that are not
 * exported themselves (a type a user meets but cannot name).
 *
 * Usage: npm run build && npm run api:update
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Absolute path of the repository root. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** Publishable packages: `packages/<dir>` whose package.json is not private. */
export function reportedPackages() {
  return readdirSync(join(ROOT, 'packages'))
    .filter((dir) => existsSync(join(ROOT, 'packages', dir, 'package.json')))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')),
    }))
    .filter((p) => !p.manifest.private);
}

/** Path of a package's report, relative to the repository root. */
export function reportPath(dir) {
  return `packages/${dir}/api/${dir}.api.md`;
}

/** The ES module declaration file of each entry point: `[specifier, absolute path]`. */
function entryPoints(dir, manifest) {
  const found = [];
  const typesOf = (node) => {
    if (typeof node === 'string') return node.endsWith('.d.ts') ? node : undefined;
    if (!node || typeof node !== 'object') return undefined;
    if (typeof node.types === 'string' && !node.types.endsWith('.d.cts')) return node.types;
    for (const cond of ['import', 'default', 'node']) {
      const t = typesOf(node[cond]);
      if (t) return t;
    }
    return undefined;
  };
  for (const [subpath, node] of Object.entries(manifest.exports ?? { '.': { types: manifest.types } })) {
    if (subpath === './package.json') continue;
    const types = typesOf(node);
    if (!types) throw new Error(`${manifest.name}: export "${subpath}" names no declarations`);
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    found.push([specifier, resolve(ROOT, 'packages', dir, types)]);
  }
  return found;
}

function isPrivateMember(member) {
  if (member.name && ts.isPrivateIdentifier(member.name)) return true;
  return (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private) !== 0;
}

/**
 * Members in a stable order: signatures and constructors first, then by name (overloads keep
 * their order), so moving a method in the source does not change the report.
 */
function sortedMembers(members) {
  const key = (m) => (m.name ? `1${m.name.getText()}` : '0');
  return [...members].sort((a, b) => key(a).localeCompare(key(b)));
}

/** A declaration printed without comments and private members. */
function print(decl) {
  let node = decl;
  if (ts.isClassDeclaration(decl)) {
    node = ts.factory.updateClassDeclaration(
      decl,
      decl.modifiers,
      decl.name,
      decl.typeParameters,
      decl.heritageClauses,
      sortedMembers(decl.members.filter((m) => !isPrivateMember(m))),
    );
  }
  if (ts.isInterfaceDeclaration(decl)) {
    node = ts.factory.updateInterfaceDeclaration(
      decl,
      decl.modifiers,
      decl.name,
      decl.typeParameters,
      decl.heritageClauses,
      sortedMembers(decl.members),
    );
  }
  if (ts.isVariableDeclaration(decl)) node = decl.parent.parent;
  return printer.printNode(ts.EmitHint.Unspecified, node, decl.getSourceFile()).replace(/^export /, '');
}

/** Where a declaration outside the package comes from: `@hubbub/protocol`, `ioredis`, ... */
function origin(fileName) {
  const workspace = /\/(?:packages|node_modules\/@hubbub)\/([^/]+)\/dist\//.exec(fileName);
  if (workspace) return `@hubbub/${workspace[1]}`;
  const installed = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(fileName);
  return installed ? installed[1] : fileName;
}

function reportEntry(program, specifier, file, packageDir) {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`cannot read ${file}: run \`npm run build\` first`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const exported = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  const ours = (decl) => resolve(decl.getSourceFile().fileName).startsWith(`${packageDir}/dist/`);
  const resolveAlias = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);

  const lines = [];
  const seen = new Set();
  for (const symbol of [...exported].sort((a, b) => a.name.localeCompare(b.name))) {
    const target = resolveAlias(symbol);
    seen.add(target);
    const decls = (target.declarations ?? []).filter((d) => !ts.isSourceFile(d));
    const name = target.name === symbol.name ? symbol.name : `${symbol.name} (${target.name})`;
    if (decls.length === 0 || !decls.every(ours)) {
      const from = decls[0] ? origin(decls[0].getSourceFile().fileName) : 'elsewhere';
      lines.push(`// ${name}: re-exported from ${from}`);
      continue;
    }
    if (target.name !== symbol.name) lines.push(`// exported as ${symbol.name}`);
    for (const d of decls) lines.push(print(d));
  }

  // Types the exports mention that users cannot import by name.
  const unexported = [];
  const queue = [...seen];
  const visit = (node) => {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const at = ts.isTypeReferenceNode(node)
        ? node.typeName
        : ts.isTypeQueryNode(node)
          ? node.exprName
          : node.expression;
      const symbol = checker.getSymbolAtLocation(at);
      const target = symbol && resolveAlias(symbol);
      const isTypeParameter = target && (target.flags & ts.SymbolFlags.TypeParameter) !== 0;
      if (target && !isTypeParameter && !seen.has(target) && (target.declarations ?? []).some(ours)) {
        seen.add(target);
        queue.push(target);
        unexported.push(target);
      }
    }
    ts.forEachChild(node, visit);
  };
  while (queue.length > 0) {
    const symbol = queue.shift();
    for (const d of symbol.declarations ?? []) if (ours(d)) visit(d);
  }
  if (unexported.length > 0) {
    lines.push('', '// Not exported, but reachable through the exports above:');
    for (const s of unexported.sort((a, b) => a.name.localeCompare(b.name))) {
      for (const d of (s.declarations ?? []).filter(ours)) lines.push(print(d));
    }
  }
  return `## ${specifier}\n\n\`\`\`ts\n${lines.join('\n')}\n\`\`\`\n`;
}

/** The report of one package, from its built declarations. */
export function apiReport(dir) {
  const packageDir = join(ROOT, 'packages', dir);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const entries = entryPoints(dir, manifest);
  for (const [, file] of entries) {
    if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} is missing: run \`npm run build\` first`);
  }
  const program = ts.createProgram(
    entries.map(([, file]) => file),
    {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
      skipLibCheck: true,
    },
  );
  const sections = entries.map(([specifier, file]) => reportEntry(program, specifier, file, packageDir));
  return `# API report: ${manifest.name}

Generated by \`npm run api:update\` from the built declarations (\`npm run build\` first); do not
edit. Review changes to this file as changes to what users can import.

${sections.join('\n')}`;
}

function main() {
  for (const { dir } of reportedPackages()) {
    const path = join(ROOT, reportPath(dir));
    mkdirSync(dirname(path), { recursive: true });
    const text = apiReport(dir);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
    writeFileSync(path, text);
    process.stdout.write(`${before === text ? 'unchanged' : 'updated  '} ${reportPath(dir)}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();
