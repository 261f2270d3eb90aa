import './style.css';
import { ApiError } from './api.ts';
import { disposeCharts } from './charts.ts';
import { h } from './dom.ts';
import { lang, setLang, t, type TextKey } from './i18n.ts';
import { forgetDetached, showState, startLive } from './live.ts';
import { parseRoute, type Route } from './route.ts';
import { renderOverview } from './pages/overview.ts';
import { renderSearch } from './pages/search.ts';
import { renderDataset } from './pages/dataset.ts';
import { renderProvider } from './pages/provider.ts';

const app = document.getElementById('app')!;
let rendering = 0;

const PAGES: Record<Route['page'], (route: Route) => Promise<Node>> = {
  overview: () => renderOverview(),
  search: (route) => renderSearch(route.params),
  dataset: (route) => renderDataset(route.id ?? ''),
  provider: (route) => renderProvider(route.id ?? '', route.params),
};

function translateStatic(): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as TextKey);
  document.getElementById('lang')!.textContent = lang() === 'en' ? '中文' : 'English';
  document.title = t('brand');
  showState();
}

/** Renders the view the hash names; a newer navigation wins over a slower older one. */
async function render(): Promise<void> {
  const ticket = ++rendering;
  const route = parseRoute(location.hash);
  translateStatic();
  for (const a of document.querySelectorAll<HTMLElement>('[data-nav]')) a.classList.toggle('active', a.dataset.nav === route.page);
  app.dataset.state = 'loading';
  app.dataset.page = route.page;
  let view: Node;
  try {
    view = await PAGES[route.page](route);
  } catch (err) {
    const message = err instanceof ApiError || err instanceof TypeError ? err.message : String(err);
    view = h('p', { class: 'error', role: 'alert' }, `${t('error')}: ${message}`);
  }
  if (ticket !== rendering) return;
  disposeCharts();
  app.replaceChildren(view);
  forgetDetached();
  // The browser tests wait for a newer render number after a click, rather than for a fixed time.
  app.dataset.render = String(ticket);
  app.dataset.state = 'ready';
}

document.getElementById('lang')!.addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh' : 'en');
  void render();
});
window.addEventListener('hashchange', () => void render());
setLang(lang());
void render();
startLive();
