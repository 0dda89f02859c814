/**
 * Small helpers over tree-sitter nodes. Every walk here is iterative (an
 * explicit stack or a TreeCursor), never recursive, so 10,000 nested blocks
 * cannot overflow the JS stack.
 */
import type { Node, Tree } from 'web-tree-sitter';

/**
 * Calls `visit` for every named node in document order; return false to skip a node's children.
 * Anonymous tokens (punctuation, keywords, operators) are leaves no visitor looks at: they are never
 * visited nor descended into.
 *
 * Every step of a TreeCursor and every Node built from it crosses into wasm (most of the cost of a
 * walk), and a function body is walked by a dozen passes (facts, aliases, locals, writes, the rules).
 * So a subtree below the translation unit is recorded once, in document order with where each node's
 * subtree ends (a `TreeWalks` kept on the tree, see below), on its second walk or when the analysis of a
 * function starts (recordWalks); later walks of that subtree or of any node inside it replay the record in
 * plain JS. A subtree walked once (a file-level summary looking at every function) is not recorded, and
 * walks of the whole translation unit (file-level scans that stop early at function bodies) step the
 * cursor directly.
 */
export function walk(root: Node, visit: (n: Node) => boolean | void, skip?: ReadonlySet<string>): void {
  const kinds = kindTable(root, skip);
  if (root.type === 'translation_unit') return cursorWalk(root, visit, kinds);
  const w = treeWalks(root);
  let at = w.slot.get(root.id);
  if (at === undefined) {
    if (!w.walked.has(root.id)) {
      w.walked.add(root.id);
      return cursorWalk(root, visit, kinds);
    }
    at = record(root, w);
  }
  const { nodes, types, ends } = w;
  const end = ends[at];
  if (visit(nodes[at]) === false) return;
  // 1: visit; 0: anonymous or skipped (a leaf for this walk); ids past the table (ERROR is 65535): visit
  for (let i = at + 1; i < end; ) i = kinds[types[i]] !== 0 && visit(nodes[i]) !== false ? i + 1 : ends[i];
}

/** Records a subtree for walk() now (the function an analysis is about to walk a dozen times). */
export function recordWalks(root: Node): void {
  const w = treeWalks(root);
  if (!w.slot.has(root.id)) record(root, w);
}

/**
 * Drops the walks recorded on a tree (checkTree and functionFacts call it when done): a tree an editor
 * keeps open would otherwise hold a Node object for every named node of every function analysed.
 */
export function releaseWalks(tree: Tree): void {
  delete (tree as WithWalks)[WALKS];
}

/** walk() stepping a TreeCursor (no record kept); depth is counted in JS, so the root needs no id comparison. */
function cursorWalk(root: Node, visit: (n: Node) => boolean | void, kinds: Uint8Array): void {
  const cursor = root.walk();
  const visitHere = (): boolean => kinds[cursor.nodeTypeId] !== 0 && visit(cursor.currentNode) !== false;
  let depth = 0;
  try {
    let descend = visit(cursor.currentNode) !== false;
    for (;;) {
      if (descend && cursor.gotoFirstChild()) {
        depth++;
        descend = visitHere();
        continue;
      }
      for (;;) {
        if (depth === 0) return;
        if (cursor.gotoNextSibling()) {
          descend = visitHere();
          break;
        }
        if (!cursor.gotoParent()) return;
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

/**
 * The recorded walks of one tree: named nodes in document order (subtrees recorded one after the
 * other), their type ids, the index just past each one's subtree, and node id → index. It lives on
 * the Tree object it describes (trees are immutable; an edited tree is reparsed into a new Tree), so it
 * is owned by whoever owns the tree (the session, the CLI's per-file parse) and goes with it.
 */
interface TreeWalks {
  nodes: Node[];
  types: number[];
  ends: number[];
  slot: Map<number, number>;
  /** ids of roots walked once without a record */
  walked: Set<number>;
}
const WALKS = Symbol('dma-scope recorded walks');
type WithWalks = Tree & { [WALKS]?: TreeWalks };

function treeWalks(root: Node): TreeWalks {
  const tree = root.tree as WithWalks;
  return (tree[WALKS] ??= { nodes: [], types: [], ends: [], slot: new Map(), walked: new Set() });
}

/**
 * Records `root` and the named nodes of its subtree; returns root's index. Node.namedChildren brings
 * all named children of a node across the wasm boundary in one call, so anonymous tokens (about half of
 * the nodes) cost nothing; a node's type id is one more call.
 */
function record(root: Node, w: TreeWalks): number {
  const types = root.tree.language.types;
  const add = (n: Node): number => {
    const t = n.typeId;
    // the type never changes for a node of an immutable tree: keep it on the object (Node.type asks the wasm each time)
    const name = types[t];
    if (name) Object.defineProperty(n, 'type', { value: name });
    const i = w.nodes.length;
    w.nodes.push(n);
    w.types.push(t);
    w.ends.push(i + 1);
    w.slot.set(n.id, i);
    return i;
  };
  const start = add(root);
  // pending: nodes still to record, last first; a negative entry -(i + 1) closes the subtree of index i
  const pending: (Node | number)[] = [-(start + 1)];
  let kids = root.namedChildren;
  for (let k = kids.length - 1; k >= 0; k--) if (kids[k]) pending.push(kids[k]!);
  while (pending.length) {
    const x = pending.pop()!;
    if (typeof x === 'number') {
      w.ends[-x - 1] = w.nodes.length;
      continue;
    }
    const i = add(x);
    kids = x.namedChildren;
    if (!kids.length) continue;
    pending.push(-(i + 1));
    for (let k = kids.length - 1; k >= 0; k--) if (kids[k]) pending.push(kids[k]!);
  }
  return start;
}

/**
 * Per language and skip set: node type id → 1 when a walk visits it (named, not skipped), 0 otherwise.
 * A table of constant facts about the grammar (one language object per process, a handful of skip
 * sets), computed on first use because the language only exists once the wasm is loaded; it never
 * changes afterwards and holds no analysis state.
 */
const kindTables = new WeakMap<object, Map<ReadonlySet<string> | undefined, Uint8Array>>();
function kindTable(root: Node, skip: ReadonlySet<string> | undefined): Uint8Array {
  const lang = root.tree.language;
  let bySkip = kindTables.get(lang);
  if (!bySkip) kindTables.set(lang, (bySkip = new Map()));
  let t = bySkip.get(skip);
  if (!t) {
    t = new Uint8Array(lang.types.length);
    for (let i = 0; i < lang.types.length; i++) t[i] = lang.nodeTypeIsNamed(i) && !skip?.has(lang.types[i]) ? 1 : 0;
    bySkip.set(skip, t);
  }
  return t;
}

/** Leaf node types that statement- and expression-level walks never look at. */
export const LEAVES: ReadonlySet<string> = new Set([
  'identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'number_literal', 'string_content',
  'escape_sequence', 'char_literal', 'primitive_type', 'comment', 'true', 'false', 'null', 'system_lib_string',
]);

/** All descendants (and the node itself) of the given types, in document order. */
export function descendantsOfType(root: Node, types: string | readonly string[]): Node[] {
  const set = typeof types === 'string' ? new Set([types]) : new Set(types);
  const out: Node[] = [];
  walk(root, (n) => {
    if (set.has(n.type)) out.push(n);
  });
  return out;
}

/** The smallest named node covering [start, end) (string offsets). */
export function nodeAt(tree: Tree, start: number, end = start): Node | null {
  return tree.rootNode.namedDescendantForIndex(start, end);
}

/** The identifier (or field name) at an offset, if the offset is on one. */
export function identifierAt(tree: Tree, offset: number): Node | null {
  for (const at of [offset, offset - 1]) {
    if (at < 0) continue;
    const n = tree.rootNode.descendantForIndex(at, at);
    if (n && (n.type === 'identifier' || n.type === 'field_identifier' || n.type === 'type_identifier') && n.startIndex <= offset && offset <= n.endIndex) return n;
  }
  return null;
}

/** callName()'s answer kept on the call node (a node of an immutable tree; asked by most passes of a function). */
const CALL_NAME = Symbol('dma-scope call name');

/** The function name of a call_expression, when it is a plain identifier. */
export function callName(call: Node): string | null {
  const memo = (call as Node & { [CALL_NAME]?: string | null })[CALL_NAME];
  if (memo !== undefined) return memo;
  const fn = call.childForFieldName('function');
  const name = fn && fn.type === 'identifier' ? fn.text : null;
  (call as Node & { [CALL_NAME]?: string | null })[CALL_NAME] = name;
  return name;
}

/** The argument nodes of a call_expression (named children of the argument list, comments skipped). */
export function callArgs(call: Node): Node[] {
  const list = call.childForFieldName('arguments');
  if (!list) return [];
  return list.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
}

/** The nearest ancestor of one of the given types. */
export function ancestor(n: Node, types: string | readonly string[]): Node | null {
  const set = typeof types === 'string' ? new Set([types]) : new Set(types);
  for (let p = n.parent; p; p = p.parent) if (set.has(p.type)) return p;
  return null;
}

/** The function_definition around a node. */
export function enclosingFunction(n: Node): Node | null {
  return n.type === 'function_definition' ? n : ancestor(n, 'function_definition');
}

/** The declared name of a function_definition. */
export function functionName(fn: Node): string | null {
  let d = fn.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator') ?? d.namedChild(0);
  const id = d?.childForFieldName('declarator');
  return id && (id.type === 'identifier' || id.type === 'field_identifier') ? id.text : null;
}

/** Every function_definition in the tree, top level and nested in preprocessor blocks. */
/** Nodes that can hold function definitions; nothing else is descended into (declarations, tables). */
const FUNCTION_CONTAINERS = new Set([
  'translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'declaration_list', 'ERROR',
]);

export function functionDefinitions(tree: Tree): Node[] {
  // only top-level nodes and preprocessor blocks are visited: cheap enough to repeat per request
  const out: Node[] = [];
  walk(tree.rootNode, (n) => {
    if (n.type === 'function_definition') {
      out.push(n);
      return false;
    }
    return FUNCTION_CONTAINERS.has(n.type);
  });
  return out;
}

/** Strips redundant parentheses and casts: `((void *)(x))` → `x`. */
export function stripParensAndCasts(n: Node): Node {
  let cur = n;
  for (;;) {
    if (cur.type === 'parenthesized_expression' && cur.namedChildCount === 1) cur = cur.namedChild(0)!;
    else if (cur.type === 'cast_expression' && cur.childForFieldName('value')) cur = cur.childForFieldName('value')!;
    else return cur;
  }
}

/** What normText folds: whitespace (also inside comments) and comments. */
const NORM_NEEDED = /[\s/]/;

/** Source text with whitespace runs folded, for comparing expressions syntactically. */
export function normText(n: Node | string): string {
  const t = typeof n === 'string' ? n : n.text;
  // most expressions compared are written without spaces or comments (`dev`, `p->dma`): nothing to fold
  if (!NORM_NEEDED.test(t)) return t;
  return t.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\s+/g, ' ').replace(/\s*([()\[\]\-.>,*&+])\s*/g, '$1').trim();
}

/** `((x))` → `x`: removes parentheses that enclose the whole (normalised) text. */
export function stripOuterParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')')) {
    let depth = 0;
    let ok = true;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === '(') depth++;
      else if (t[i] === ')') depth--;
      if (depth === 0 && i < t.length - 1) { ok = false; break; }
    }
    if (!ok) break;
    t = t.slice(1, -1).trim();
  }
  return t;
}

/** Parameter names of a function_definition, in order ('' for unnamed ones). */
export function functionParams(fn: Node): string[] {
  let d = fn.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  const list = d?.childForFieldName('parameters');
  const out: string[] = [];
  for (const p of list?.namedChildren ?? []) {
    if (!p || p.type !== 'parameter_declaration') continue;
    let cur = p.childForFieldName('declarator');
    while (cur && cur.type !== 'identifier') cur = cur.childForFieldName('declarator');
    out.push(cur ? cur.text : '');
  }
  return out;
}

/** 1-based line of an offset in a text. */
export function lineAt(text: string, off: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < off; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
