import { describe, expect, it } from 'vitest';
import { generateDatasets } from '../seed/generate.ts';
import { chineseBigramText, chineseBigramTextByRuns, chineseIndexText } from '../subgraphs/exchange/store/chineseText.ts';

describe('chineseBigramText', () => {
  it('writes the bigrams of each Han run, runs kept apart by a separator', () => {
    expect(chineseBigramText('疫苗接种 and 数据')).toBe('疫苗 苗接 接种 x 数据');
    expect(chineseBigramText('5G基站')).toBe('基站');
    expect(chineseBigramText('no Chinese')).toBe('');
  });

  it('agrees with the run-by-run definition on edge cases and on every seeded text', () => {
    const edges = [
      '', 'a', '疫', '疫苗', 'A疫B苗C', '疫 苗接', '疫苗a疫b疫苗接', 'x疫x', '数据,疫苗。接种',
      '𠀀𠀁疫', '𪜀𪜁a𪜂', '\ud800疫苗', '疫苗\udc00接种', '疫\ud83d\ude00苗', '\u3007\u3005々〆', '疫'.repeat(3000),
    ];
    const texts = [...generateDatasets({ exchange: 'sh', divisionCode: '310000', count: 1500 })]
      .flatMap((r) => [r.titleZh, r.descriptionZh, JSON.stringify(r.keywords)]);
    for (const text of [...edges, ...texts]) expect(chineseBigramText(text)).toBe(chineseBigramTextByRuns(text));
  });
});

describe('chineseIndexText', () => {
  it('adds each distinct character once, after the bigrams and a separator', () => {
    expect(chineseIndexText('疫苗接种 and 数据')).toBe('疫苗 苗接 接种 x 数据 x 疫 苗 接 种 数 据');
    expect(chineseIndexText('第1季 疫苗疫苗')).toBe('疫苗 苗疫 疫苗 x 第 季 疫 苗');
    expect(chineseIndexText('no Chinese')).toBe('');
    expect(chineseIndexText('𠀀𠀁')).toBe('𠀀𠀁 x 𠀀 𠀁');
  });
});
