import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kind, parse, type EnumTypeDefinitionNode } from 'graphql';
import { SUPERGRAPH_SDL_PATH, UndocumentedValueError, VOCABULARY_DOC_PATH, vocabularyMarkdown } from '../../scripts/lib/vocabularyMarkdown.ts';
import { SYNONYM_GROUPS, synonymGroupOf } from '../../shared/synonyms.ts';

const read = (path: URL | string) => readFileSync(path, 'utf8');
const enumsOf = (sdl: string) => parse(sdl).definitions.filter((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION);
const SOURCES = ['../../schema/exchange.graphql', '../../schema/providers.graphql'].map((p) => new URL(p, import.meta.url));

describe('docs/vocabulary.md', () => {
  it('is what `npm run docs:vocabulary` writes from the committed supergraph (run it after changing a description)', () => {
    expect(read(VOCABULARY_DOC_PATH)).toBe(vocabularyMarkdown(read(SUPERGRAPH_SDL_PATH)));
  });

  it('lists every value of every public enum with its meaning, and says the data is synthetic', () => {
    const doc = read(VOCABULARY_DOC_PATH);
    const enums = enumsOf(read(SUPERGRAPH_SDL_PATH)).filter((e) => !/^(join|link)__/.test(e.name.value));
    expect(enums.map((e) => e.name.value)).toEqual(expect.arrayContaining(['Category', 'ProviderKind', 'PricingModel', 'TextField', 'ExchangeStatus']));
    for (const node of enums) {
      expect(doc).toContain(`### ${node.name.value}\n`);
      expect(node.values?.length).toBeGreaterThan(0);
      for (const value of node.values ?? []) {
        const description = value.description?.value ?? '';
        expect(description.length, `${node.name.value}.${value.name.value}`).toBeGreaterThan(5);
        expect(doc).toContain(`| \`${value.name.value}\` | ${description} |`);
      }
    }
    expect(doc).toMatch(/## The shipped data is synthetic\n\n\*\*Every listing, provider and price this repository ships/);
    expect(doc).toContain('`seed/`');
  });

  it('prints the synonym table of the search, every group', () => {
    const doc = read(VOCABULARY_DOC_PATH);
    expect(SYNONYM_GROUPS.length).toBeGreaterThanOrEqual(14);
    for (const group of SYNONYM_GROUPS) expect(doc).toContain(`| ${group.concept} | ${group.zh.join(', ')} | ${group.en.join(', ')} |`);
  });

  it('refuses to write the docs while an enum value has no description, naming it', () => {
    const sdl = read(SUPERGRAPH_SDL_PATH).replace(/"""Through an API, one query or record at a time\."""\n/, '');
    expect(sdl).not.toBe(read(SUPERGRAPH_SDL_PATH));
    expect(() => vocabularyMarkdown(sdl)).toThrow(UndocumentedValueError);
    expect(() => vocabularyMarkdown(sdl)).toThrow(/missing: Delivery\.API$/);
  });
});

describe('the schema sources', () => {
  it('describe every enum value in schema/*.graphql', () => {
    const values = SOURCES.flatMap((path) =>
      enumsOf(read(path)).flatMap((e) => (e.values ?? []).map((v) => ({ name: `${e.name.value}.${v.name.value}`, described: !!v.description?.value.trim() }))),
    );
    expect(values.length).toBeGreaterThan(60);
    expect(values.filter((v) => !v.described).map((v) => v.name)).toEqual([]);
  });

  it('describe ProviderKind the same way in the exchange contract and the providers subgraph', () => {
    const [exchange, providers] = SOURCES.map((path) => enumsOf(read(path)).find((e) => e.name.value === 'ProviderKind')!);
    const described = (node: EnumTypeDefinitionNode) => [node.description?.value, ...(node.values ?? []).map((v) => [v.name.value, v.description?.value])];
    expect(described(providers)).toEqual(described(exchange));
  });
});

describe('the synonym table', () => {
  it('keeps its rules: Chinese members are Han runs of two or more, English ones lower-case words, each member in one group', () => {
    const seen = new Set<string>();
    for (const group of SYNONYM_GROUPS) {
      expect(group.zh.length + group.en.length).toBeGreaterThanOrEqual(3);
      expect(group.zh.length + group.en.length).toBeLessThanOrEqual(16);
      for (const member of group.zh) expect(member, group.concept).toMatch(/^\p{Script=Han}{2,}$/u);
      for (const member of group.en) expect(member, group.concept).toMatch(/^[a-z0-9]{2,}$/);
      for (const member of [...group.zh, ...group.en]) {
        expect(seen.has(member), member).toBe(false);
        seen.add(member);
        expect(synonymGroupOf(member)).toBe(group);
      }
    }
    expect(synonymGroupOf('Immunization')?.zh).toContain('疫苗');
    expect(synonymGroupOf('数据')).toBeUndefined();
  });
});
