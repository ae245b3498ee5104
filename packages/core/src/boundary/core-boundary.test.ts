import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The boundary of @patter/core, kept by a scan of its sources: no vendor is named (plugins carry
 * their own keys, prices and package names) and no two modules import each other, even through
 * a longer loop or a type-only import.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Vendor names and the provider keys plugins register: none may appear in core's code. */
const VENDOR_WORDS = [
  'deepgram', 'assemblyai', 'cartesia', 'soniox', 'speechmatics', 'whisper', 'elevenlabs', 'lmnt', 'rime',
  'inworld', 'anthropic', 'openai', 'silero', 'twilio', 'telnyx', 'devphone', 'dev phone', 'dev-phone',
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry.name) && !/\.(test|bench)\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The code of a file without its comments (a doc comment may cite a vendor as an example): its tokens. */
function codeOf(file: string, text: string): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const tokens: string[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    if (node.getChildCount(source) === 0) tokens.push(node.getText(source));
    else node.getChildren(source).forEach(visit);
  };
  visit(source);
  return tokens.join(' ');
}

function importsOf(file: string, text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
}

/** Every import cycle's files (Tarjan's strongly connected components of more than one file). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('@patter/core boundary', () => {
  const files = sourceFiles(SRC);
  const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')] as const));

  it('scans the whole source tree', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('names no vendor, provider key, carrier or dev phone in its code', () => {
    const hits: string[] = [];
    for (const [file, text] of texts) {
      const code = codeOf(file, text).toLowerCase();
      for (const word of VENDOR_WORDS) if (code.includes(word)) hits.push(`${relative(SRC, file)}: ${word}`);
    }
    expect(hits).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f, texts.get(f)!)] as const));
    expect(cycles(graph).map((c) => c.map((f) => relative(SRC, f)))).toEqual([]);
  });
});
