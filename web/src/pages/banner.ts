import { h } from '../dom.ts';
import { exchangeName, t } from '../i18n.ts';

/** The banner naming exchanges that did not answer; nothing when every one did. */
export function missingBanner(missing: string[], exchanges: { id: string; name: string; nameZh: string }[]): HTMLElement | null {
  if (missing.length === 0) return null;
  const names = missing.map((id) => {
    const e = exchanges.find((x) => x.id === id);
    return e ? `${exchangeName(e)} (${id})` : id;
  });
  return h('p', { class: 'banner', role: 'alert', 'data-missing': missing.join(',') }, `${t('missing')} ${names.join(', ')}`);
}
