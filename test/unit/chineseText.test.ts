import { describe, expect, it } from 'vitest';
import { generateDatasets } from '../../seed/generate.ts';
import Database from 'better-sqlite3';
import { chineseBigramText, chineseBigramTextByRuns, chineseIndexText, hanRuns } from '../../subgraphs/exchange/store/chineseText.ts';
import { filterSql } from '../../subgraphs/exchange/store/filterSql.ts';

describe('chineseBigramText', () => {
  it('writes the bigrams of each Han run, runs kept apart by a separator', () => {
    expect(chineseBigramText('疫苗接种 and 数据')).toBe('疫苗 苗接 接种 x 数据');
    expect(chineseBigramText('5G基站')).toBe('基站');
    expect(chineseBigramText('no Chinese')).toBe('');
  });

  it('agrees with the run-by-run definition on edge cases and on every seeded text', () => {
    const edges = [
      '',
      'a',
      '疫',
      '疫苗',
      'A疫B苗C',
      '疫 苗接',
      '疫苗a疫b疫苗接',
      'x疫x',
      '数据,疫苗。接种',
      '𠀀𠀁疫',
      '𪜀𪜁a𪜂',
      '\ud800疫苗',
      '疫苗\udc00接种',
      '疫\ud83d\ude00苗',
      '\u3007\u3005々〆',
      '疫'.repeat(3000),
    ];
    const texts = [...generateDatasets({ exchange: 'sh', divisionCode: '310000', count: 1500 })].flatMap((r) => [
      r.titleZh,
      r.descriptionZh,
      JSON.stringify(r.keywords),
    ]);
    for (const text of [...edges, ...texts]) expect(chineseBigramText(text)).toBe(chineseBigramTextByRuns(text));
  });
});

describe('chineseIndexText', () => {
  it('adds each distinct character once, after the bigrams and a separator', () => {
    expect(chineseIndexText('疫苗接种 and 数据')).toBe('疫苗 苗接 接种 x 数据 x 疫 苗 接 种 数 据');
    expect(chineseIndexText('第1季 疫苗疫苗')).toBe('疫苗 苗疫 疫苗 x 第 季 疫 苗');
    expect(chineseIndexText('no Chinese')).toBe('');
    expect(chineseIndexText('𠀀𠀁')).toBe('𠀀𠀁 x 𠀀 𠀁');
    // Radicals (symbols, U+2E80-U+2FDF) separate, as the tokenizer has them; 〇 (a number) is a character.
    expect(chineseIndexText('⼀二三 ⺀四〇')).toBe('二三 x 四〇 x 二 三 四 〇');
  });
});

describe('the Chinese index and its queries agree with the tokenizer', () => {
  it('finds exactly the texts holding every Han run of the query, unusual characters included', () => {
    const db = new Database(':memory:');
    db.exec("CREATE VIRTUAL TABLE z USING fts5(t, content='', tokenize='unicode61 remove_diacritics 0')");
    // Radicals (symbols), 〇 and 々 (letter-like), an astral ideograph, a compatibility ideograph, ordinary ones.
    const odd = ['⼀', '⺀', '〇', '々', '𠀀', '豈', '日', '二', '数', '据'];
    const texts: string[] = [];
    for (const a of odd) for (const b of odd) texts.push(`${a}${b}`, `x${a} ${b}y`, `${a}数据${b}`);
    texts.forEach((t, i) => db.prepare('INSERT INTO z(rowid, t) VALUES (?, ?)').run(i + 1, chineseIndexText(t)));
    let checked = 0;
    for (const query of [...odd, ...odd.flatMap((a) => odd.map((b) => a + b))]) {
      const runs = hanRuns(query);
      if (runs.length === 0) {
        // Nothing the index holds: the text is refused, never the whole catalog.
        expect(() => filterSql({ text: query }, 'bj')).toThrow(/filter\.text: must contain a letter, digit or Chinese character/);
        continue;
      }
      const match = filterSql({ text: query }, 'bj').matches.find((m) => m.table === 'datasets_fts_zh')!;
      const got = new Set(db.prepare('SELECT rowid FROM z WHERE z MATCH ?').pluck().all(match.query) as number[]);
      const want = new Set(texts.flatMap((t, i) => (runs.every((run) => t.includes(run)) ? [i + 1] : [])));
      expect([query, got]).toEqual([query, want]);
      checked++;
    }
    expect(checked).toBeGreaterThan(80);
    db.close();
  });
});
