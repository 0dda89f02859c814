/** The shared constant folder (src/analysis/constants.ts): text, tree nodes, #defines, sizeof. */
import * as assert from 'assert';
import type { Node } from 'web-tree-sitter';
import { ConstantFolder, parseIntegerLiteral, wellKnownConstant } from '../../src/analysis/constants';
import { constValue } from '../../src/analysis/rules/shared/constFold';
import { testParser } from '../helpers';

/** The initialiser expression of `int probe = <expr>;` in a parsed file, and the file's structs. */
async function withExpr<T>(decls: string, expr: string, f: (n: Node, structs: Map<string, Node>) => T): Promise<T> {
  const p = await testParser();
  const tree = p.parse(`${decls}\nint probe = ${expr};\n`);
  try {
    const structs = new Map<string, Node>();
    let init: Node | null = null;
    const stack: Node[] = [tree.rootNode];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.type === 'struct_specifier' && n.childForFieldName('body')) structs.set(n.childForFieldName('name')!.text, n);
      if (n.type === 'init_declarator' && n.childForFieldName('declarator')?.text === 'probe') init = n.childForFieldName('value');
      for (const c of n.namedChildren) if (c) stack.push(c);
    }
    assert.ok(init, 'probe initialiser');
    return f(init, structs);
  } finally {
    tree.delete();
  }
}

describe('constant folder', () => {
  it('integer literals with C suffixes, hex and octal', () => {
    assert.strictEqual(parseIntegerLiteral('64'), 64);
    assert.strictEqual(parseIntegerLiteral('0x40UL'), 64);
    assert.strictEqual(parseIntegerLiteral('0100'), 64);
    assert.strictEqual(parseIntegerLiteral('64ULL'), 64);
    assert.strictEqual(parseIntegerLiteral('6.4'), undefined);
  });

  it('well-known kernel sizes', () => {
    assert.strictEqual(wellKnownConstant('PAGE_SIZE'), 4096);
    assert.strictEqual(wellKnownConstant('SZ_16K'), 16384);
    assert.strictEqual(wellKnownConstant('SZ_2M'), 2 << 20);
    assert.strictEqual(wellKnownConstant('SZ_64'), 64);
    assert.strictEqual(wellKnownConstant('FOO'), undefined);
  });

  it('folds text with precedence, unary minus, macros and the file\'s #defines', () => {
    const defines = new Map([['RX_PAGES', '2'], ['RX_LEN', '(RX_PAGES * 768)'], ['LOOP', 'LOOP + 1'], ['BUF', '(SZ_16K - 1)']]);
    const f = new ConstantFolder({ defines });
    assert.strictEqual(f.foldText('1 << 4 + 1'), 32, '+ binds tighter than <<');
    assert.strictEqual(f.foldText('0x10 | 3 & 1'), 17);
    assert.strictEqual(f.foldText('-(4) + 10'), 6);
    assert.strictEqual(f.foldText('RX_LEN'), 1536);
    assert.strictEqual(f.foldText('BUF'), 16383);
    assert.strictEqual(f.foldText('LOOP'), undefined, 'a macro that refers to itself');
    assert.strictEqual(f.foldText('BIT(3) + ALIGN(10, 8) + min_t(unsigned int, 5, 7)'), 8 + 16 + 5);
    assert.strictEqual(f.foldText('10 / 0'), undefined);
    assert.strictEqual(f.foldText('n * 2'), undefined);
    assert.strictEqual(f.foldText('1 < 2'), undefined, 'comparisons are not sizes');
  });

  it('folds tree nodes: sizeof of types, structs with padding, arrays and declared objects', async () => {
    const decls = 'struct hdr { u8 flag; __le32 len; u16 id; };\nstruct ring { struct hdr h[4]; void *p; };';
    assert.strictEqual(await withExpr(decls, 'sizeof(struct hdr)', (n, structs) => new ConstantFolder({ structs }).fold(n)), 12);
    assert.strictEqual(await withExpr(decls, 'sizeof(struct ring) * 2', (n, structs) => new ConstantFolder({ structs }).fold(n)), 112);
    assert.strictEqual(await withExpr(decls, 'sizeof(int[3])', (n) => new ConstantFolder().fold(n)), 12);
    const lookup = (name: string) => (name === 'cmd' ? { type: null, pointer: true } : undefined);
    assert.strictEqual(await withExpr(decls, 'sizeof(cmd)', (n) => new ConstantFolder({ lookup }).fold(n)), 8, 'a pointer');
    assert.strictEqual(await withExpr(decls, 'ALIGN(RX, 64)', (n) => new ConstantFolder({ defines: new Map([['RX', '100']]) }).fold(n)), 128);
    assert.strictEqual(await withExpr(decls, 'max(3, PAGE_SIZE >> 2)', (n) => new ConstantFolder().fold(n)), 1024);
  });

  it('is the folder behind the rules\' constValue', () => {
    assert.strictEqual(constValue('SZ_4K'), 4096);
    assert.strictEqual(constValue('4 * 1024'), 4096);
    assert.strictEqual(constValue('PAGE_SIZE'), 4096);
    assert.strictEqual(constValue('dev->align'), null);
  });
});
