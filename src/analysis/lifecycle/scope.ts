/**
 * The file scope of one extraction: #define values (the file's and its local headers'), struct
 * definitions and file-scope declarations, read with the shared file-scope helpers
 * (src/analysis/fileScope.ts), and one constant folder (src/analysis/constants.ts) over them.
 * A Scope is built per extraction and passed along: no module state.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { walk } from '../ast';
import { ConstantFolder, Layout } from '../constants';
import { fileScopeDeclarations, headerDefines, objectLikeDefines, structSpecifiers } from '../fileScope';

export interface Scope {
  /** the function being replayed */
  fn: Node;
  defines: Map<string, string>;
  structs: Map<string, Node>;
  globals: Map<string, Node>;
  consts: ConstantFolder;
  /** local declarations already looked up, by name (one walk of the function per name) */
  locals: Map<string, LocalDecl | null>;
}

/** The scope of `fn` in a file (its text and tree) and the texts of the headers it includes. */
export function createScope(text: string, tree: Tree, fn: Node, headers: readonly string[] = []): Scope {
  const defines = objectLikeDefines(tree.rootNode);
  for (const h of headers) headerDefines(h, defines);
  const scope: Scope = { fn, defines, structs: structSpecifiers(tree.rootNode, text), globals: fileScopeDeclarations(tree.rootNode), consts: undefined as unknown as ConstantFolder, locals: new Map() };
  // names whose declaration is being read: `u8 a[sizeof(a)]` must not recurse
  const reading = new Set<string>();
  scope.consts = new ConstantFolder({
    defines,
    structs: scope.structs,
    lookup: (name) => {
      if (reading.has(name)) return undefined;
      reading.add(name);
      try {
        return findLocalDeclaration(scope, name) ?? findGlobal(scope, name) ?? undefined;
      } finally {
        reading.delete(name);
      }
    },
  });
  return scope;
}

/** Folds a constant expression in the scope (numbers, #defines, sizeof, arithmetic). */
export function foldConst(scope: Scope, n: Node | null | undefined): number | undefined {
  return scope.consts.fold(n);
}

export function typeLayout(scope: Scope, typeNode: Node | null): Layout | undefined {
  return scope.consts.typeLayout(typeNode);
}

export function lineOf(n: Node): number {
  return n.startPosition.row + 1;
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The identifier a declarator declares (through pointers, arrays, init). */
export function declaratorName(d: Node): string | null {
  let cur: Node | null = d;
  for (let i = 0; cur && i < 16; i++) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier') return cur.text;
    cur = cur.childForFieldName('declarator');
  }
  return null;
}

export interface LocalDecl { type: Node | null; pointer: boolean; arrayLen?: number; isStatic: boolean; node: Node; line: number }

function describeDeclarator(scope: Scope, declNode: Node, d: Node, name: string): LocalDecl | null {
  let cur: Node | null = d;
  let pointer = false;
  let arrayLen: number | undefined;
  for (let i = 0; cur && i < 16; i++) {
    if (cur.type === 'init_declarator') cur = cur.childForFieldName('declarator');
    else if (cur.type === 'pointer_declarator') { pointer = true; cur = cur.childForFieldName('declarator'); }
    else if (cur.type === 'array_declarator') { arrayLen = foldConst(scope, cur.childForFieldName('size')); if (arrayLen === undefined) arrayLen = -1; cur = cur.childForFieldName('declarator'); }
    else if (cur.type === 'identifier' || cur.type === 'field_identifier') {
      if (cur.text !== name) return null;
      const isStatic = declNode.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
      return { type: declNode.childForFieldName('type'), pointer, arrayLen: arrayLen === -1 ? undefined : arrayLen, isStatic, node: declNode, line: declNode.startPosition.row + 1 };
    } else return null;
  }
  return null;
}

/** The declaration (local or parameter) of `name` in the scope's function. */
export function findLocalDeclaration(scope: Scope, name: string): LocalDecl | null {
  const known = scope.locals.get(name);
  if (known !== undefined) return known;
  const found = declarationIn(scope, name);
  scope.locals.set(name, found);
  return found;
}

function declarationIn(scope: Scope, name: string): LocalDecl | null {
  let found: LocalDecl | null = null;
  walk(scope.fn, (n) => {
    if (found) return false;
    if (n.type === 'declaration' || n.type === 'parameter_declaration') {
      for (const d of n.childrenForFieldName('declarator')) {
        if (!d) continue;
        const r = describeDeclarator(scope, n, d, name);
        if (r) { found = r; return false; }
      }
      return false;
    }
    return true;
  });
  return found;
}

/** The file-scope declaration of `name`. */
export function findGlobal(scope: Scope, name: string): LocalDecl | null {
  const n = scope.globals.get(name);
  if (!n) return null;
  for (const d of n.childrenForFieldName('declarator')) {
    if (!d) continue;
    const r = describeDeclarator(scope, n, d, name);
    if (r) return r;
  }
  return null;
}
