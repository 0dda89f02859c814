/**
 * The one constant folder of the analysis: integer constant expressions (numbers with C suffixes,
 * + - * / % << >> & | ^ ~, unary minus, parentheses), the kernel's well-known sizes (PAGE_SIZE,
 * SZ_4K, …), function-like size macros (BIT, ALIGN, roundup, min/max/min_t/max_t), object-like
 * `#define` values of the file scope, and `sizeof` of types and declared objects whose layout is
 * visible (scalars, pointers, arrays, structs and unions of the file).
 *
 * Rules (pool-params, mask-unchecked) and lifecycle extraction use it alike. A folder is built per
 * file scope and memoises #define values in itself (no module state): a macro defined from other
 * macros is folded once, and a macro that refers to itself folds to undefined.
 *
 * Hand-written because no maintained library folds C constant expressions over a tree-sitter tree
 * with a file's own #defines; it stays small and depth-bounded.
 */
import type { Node } from 'web-tree-sitter';
import { callArgs, callName } from './ast';

export interface Layout {
  size: number;
  align: number;
}

/** What `sizeof(name)` / `sizeof(*name)` needs to know about a declared object. */
export interface DeclaredObject {
  type: Node | null;
  pointer: boolean;
  /** element count of an array declarator, when it folds */
  arrayLen?: number;
}

export interface ConstantScope {
  /** object-like #define values by name (the file's own, then its local headers') */
  defines?: { get(name: string): string | undefined };
  /** struct and union definitions by tag (the specifier that has a body) */
  structs?: ReadonlyMap<string, Node>;
  /** the declaration of an object visible where the expression is (for `sizeof x`) */
  lookup?: (name: string) => DeclaredObject | undefined;
}

const MAX_DEPTH = 32;

/** Scalar sizes of the kernel's types on a 64-bit build. */
const SCALAR_SIZES: Record<string, number> = {
  char: 1, u8: 1, s8: 1, __u8: 1, __s8: 1, uint8_t: 1, int8_t: 1, bool: 1, _Bool: 1,
  short: 2, u16: 2, s16: 2, __u16: 2, __s16: 2, __le16: 2, __be16: 2, uint16_t: 2, int16_t: 2, __sum16: 2,
  int: 4, unsigned: 4, float: 4, u32: 4, s32: 4, __u32: 4, __s32: 4, __le32: 4, __be32: 4, uint32_t: 4, int32_t: 4, __wsum: 4,
  long: 8, double: 8, u64: 8, s64: 8, __u64: 8, __s64: 8, __le64: 8, __be64: 8, uint64_t: 8, int64_t: 8,
  size_t: 8, ssize_t: 8, dma_addr_t: 8, phys_addr_t: 8, resource_size_t: 8, uintptr_t: 8, loff_t: 8,
};

/** Sizes every kernel file sees without a #define of its own. */
export function wellKnownConstant(name: string): number | undefined {
  if (name === 'PAGE_SIZE') return 4096;
  if (name === 'PAGE_SHIFT') return 12;
  const sz = /^SZ_(\d+)([KMG]?)$/.exec(name);
  if (sz) return Number(sz[1]) * (sz[2] === 'K' ? 1024 : sz[2] === 'M' ? 1 << 20 : sz[2] === 'G' ? 1 << 30 : 1);
  return undefined;
}

/** A C integer literal (decimal, hex, octal, with u/l suffixes), or undefined. */
export function parseIntegerLiteral(text: string): number | undefined {
  const t = text.trim().replace(/(?:[uU][lL]{0,2}|[lL]{1,2}[uU]?)$/, '');
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) v = parseInt(t, 8);
  else if (/^\d+$/.test(t)) v = Number(t);
  else return undefined;
  return Number.isFinite(v) ? v : undefined;
}

type BinOp = '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';
const PREC: Record<BinOp, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

function binary(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b ? Math.trunc(a / b) : undefined;
    case '%': return b ? a % b : undefined;
    case '<<': return b >= 0 && b <= 52 ? a * 2 ** b : undefined;
    case '>>': return b >= 0 && b <= 52 ? Math.floor(a / 2 ** b) : undefined;
    case '|': return a | b;
    case '&': return a & b;
    case '^': return a ^ b;
    default: return undefined;
  }
}

/** Folds constants of one file scope. */
export class ConstantFolder {
  private readonly defineValues = new Map<string, number | undefined>();

  constructor(private readonly scope: ConstantScope = {}) {}

  /** The value of an expression node, or undefined when it is not a constant we can see. */
  fold(n: Node | null | undefined, depth = 0): number | undefined {
    if (!n || depth > MAX_DEPTH) return undefined;
    switch (n.type) {
      case 'number_literal':
        return parseIntegerLiteral(n.text);
      case 'parenthesized_expression':
        return this.fold(n.namedChild(0), depth + 1);
      case 'cast_expression':
        return this.fold(n.childForFieldName('value'), depth + 1);
      case 'identifier':
        return this.name(n.text, depth + 1);
      case 'unary_expression': {
        const v = this.fold(n.childForFieldName('argument'), depth + 1);
        const op = n.childForFieldName('operator')?.text;
        if (v === undefined) return undefined;
        return op === '-' ? -v : op === '+' ? v : op === '~' ? ~v : undefined;
      }
      case 'binary_expression': {
        const a = this.fold(n.childForFieldName('left'), depth + 1);
        if (a === undefined) return undefined;
        const b = this.fold(n.childForFieldName('right'), depth + 1);
        if (b === undefined) return undefined;
        return binary(n.childForFieldName('operator')?.text ?? '', a, b);
      }
      case 'sizeof_expression': {
        const ty = n.childForFieldName('type');
        if (ty) return this.typeLayout(ty, depth + 1)?.size;
        const v = n.childForFieldName('value');
        return v ? this.sizeofValue(v, depth + 1) : undefined;
      }
      case 'call_expression': {
        const args = callArgs(n);
        return this.macro(callName(n), args.length, (i) => this.fold(args[i], depth + 1));
      }
      default:
        return undefined;
    }
  }

  /** The value of an expression written as text (a #define body, an argument's text). */
  foldText(text: string, depth = 0): number | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const t = text.trim();
    const tokens = t.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|[-+*/%()|&^~,]/g);
    if (!tokens || tokens.join('').length !== t.replace(/\s+/g, '').length) return undefined;
    let i = 0;
    const prim = (): number | undefined => {
      const tok = tokens[i++];
      if (tok === undefined) return undefined;
      if (tok === '(') {
        const v = expr(0);
        return tokens[i++] === ')' ? v : undefined;
      }
      if (tok === '-' || tok === '~' || tok === '+') {
        const v = prim();
        return v === undefined ? undefined : tok === '-' ? -v : tok === '~' ? ~v : v;
      }
      if (/^\d/.test(tok)) return parseIntegerLiteral(tok);
      if (/^[A-Za-z_]/.test(tok)) {
        if (tokens[i] !== '(') return this.name(tok, depth + 1);
        // a function-like size macro: fold its arguments (a type argument of min_t is skipped)
        i++;
        const args: string[][] = [[]];
        for (let level = 0; ; i++) {
          const a = tokens[i];
          if (a === undefined) return undefined;
          if (a === '(') level++;
          else if (a === ')' && level-- === 0) { i++; break; }
          if (a === ',' && level === 0) args.push([]);
          else args[args.length - 1].push(a);
        }
        return this.macro(tok, args.length, (k) => this.foldText(args[k].join(' '), depth + 1));
      }
      return undefined;
    };
    const expr = (min: number): number | undefined => {
      let lhs = prim();
      for (;;) {
        const op = tokens[i] as BinOp | undefined;
        const p = op !== undefined ? PREC[op] : undefined;
        if (p === undefined || p < min || lhs === undefined) return lhs;
        i++;
        const rhs = expr(p + 1);
        if (rhs === undefined) return undefined;
        lhs = binary(op!, lhs, rhs);
      }
    };
    const v = expr(0);
    return i === tokens.length ? v : undefined;
  }

  /** Size and alignment of a type node (type_descriptor, primitive, sized, struct/union), or undefined. */
  typeLayout(typeNode: Node | null | undefined, depth = 0): Layout | undefined {
    if (!typeNode || depth > MAX_DEPTH) return undefined;
    if (typeNode.type === 'type_descriptor') {
      const base = this.typeLayout(typeNode.childForFieldName('type'), depth + 1);
      const decl = typeNode.childForFieldName('declarator');
      if (!decl) return base;
      if (decl.type.includes('pointer')) return { size: 8, align: 8 };
      if (decl.type === 'abstract_array_declarator' && base) {
        const n = this.fold(decl.childForFieldName('size'), depth + 1);
        return n !== undefined ? { size: base.size * n, align: base.align } : undefined;
      }
      return base;
    }
    if (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier') {
      let body = typeNode.childForFieldName('body');
      if (!body) {
        const name = typeNode.childForFieldName('name')?.text;
        body = (name ? this.scope.structs?.get(name)?.childForFieldName('body') : null) ?? null;
      }
      return body ? this.recordLayout(body, typeNode.type === 'union_specifier', depth + 1) : undefined;
    }
    if (typeNode.type === 'sized_type_specifier') {
      const t = typeNode.text;
      if (/long/.test(t)) return { size: 8, align: 8 };
      if (/short/.test(t)) return { size: 2, align: 2 };
      if (/char/.test(t)) return { size: 1, align: 1 };
      return { size: 4, align: 4 };
    }
    const s = SCALAR_SIZES[typeNode.text.replace(/\b(const|volatile|unsigned|signed)\b/g, '').trim()];
    return s ? { size: s, align: s } : undefined;
  }

  /** sizeof applied to an expression: `sizeof(*p)`, `sizeof(buf)` when the declaration is visible. */
  private sizeofValue(v: Node, depth: number): number | undefined {
    let e = v;
    while (e.type === 'parenthesized_expression' && e.namedChild(0)) e = e.namedChild(0)!;
    const deref = e.type === 'pointer_expression' && e.child(0)?.text === '*';
    const target = deref ? e.childForFieldName('argument') : e;
    if (!target || target.type !== 'identifier' || !this.scope.lookup) return undefined;
    const decl = this.scope.lookup(target.text);
    if (!decl) return undefined;
    const base = this.typeLayout(decl.type, depth + 1);
    if (deref) return decl.pointer ? base?.size : undefined;
    if (decl.arrayLen !== undefined && base) return base.size * decl.arrayLen;
    if (decl.pointer) return 8;
    return base?.size;
  }

  private recordLayout(body: Node, isUnion: boolean, depth: number): Layout | undefined {
    let off = 0;
    let maxAlign = 1;
    let maxSize = 0;
    for (const f of body.namedChildren) {
      if (!f || f.type !== 'field_declaration') continue;
      const base = this.typeLayout(f.childForFieldName('type'), depth + 1);
      for (const d of f.childrenForFieldName('declarator')) {
        if (!d) continue;
        let lay: Layout | undefined;
        if (d.type === 'pointer_declarator') lay = { size: 8, align: 8 };
        else if (d.type === 'array_declarator') {
          const n = this.fold(d.childForFieldName('size'), depth + 1);
          lay = base && n !== undefined ? { size: base.size * n, align: base.align } : undefined;
        } else lay = base;
        if (!lay) return undefined;
        maxAlign = Math.max(maxAlign, lay.align);
        if (isUnion) maxSize = Math.max(maxSize, lay.size);
        else off = Math.ceil(off / lay.align) * lay.align + lay.size;
      }
    }
    const size = isUnion ? maxSize : off;
    return { size: Math.ceil(size / maxAlign) * maxAlign, align: maxAlign };
  }

  /** A name: the file's #define first, then the kernel's well-known sizes. */
  private name(id: string, depth: number): number | undefined {
    const def = this.scope.defines?.get(id);
    if (def === undefined) return wellKnownConstant(id);
    if (this.defineValues.has(id)) return this.defineValues.get(id);
    this.defineValues.set(id, undefined); // a macro that refers to itself folds to undefined
    const v = this.foldText(def, depth + 1);
    this.defineValues.set(id, v);
    return v;
  }

  /** Function-like size macros; `arg(i)` folds the i-th argument. */
  private macro(name: string | null, argc: number, arg: (i: number) => number | undefined): number | undefined {
    if ((name === 'ALIGN' || name === 'roundup') && argc === 2) {
      const a = arg(0);
      const b = arg(1);
      return a !== undefined && b ? Math.ceil(a / b) * b : undefined;
    }
    if ((name === 'max' || name === 'min' || name === 'max_t' || name === 'min_t') && argc >= 2) {
      const a = arg(argc - 2);
      const b = arg(argc - 1);
      if (a === undefined || b === undefined) return undefined;
      return name.startsWith('max') ? Math.max(a, b) : Math.min(a, b);
    }
    if (name === 'BIT' && argc === 1) {
      const a = arg(0);
      return a !== undefined && a >= 0 && a <= 52 ? 2 ** a : undefined;
    }
    return undefined;
  }
}
