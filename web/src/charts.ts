import * as echarts from 'echarts/core';
import { BarChart, BoxplotChart, LineChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { h } from './dom.ts';

// Only the chart kinds the pages draw, so the bundle carries no more of ECharts than it needs.
echarts.use([BarChart, BoxplotChart, LineChart, DatasetComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

const live = new Set<echarts.ECharts>();

/** Charts of the previous view are disposed when the next view renders (no leaked listeners). */
export function disposeCharts(): void {
  for (const chart of live) chart.dispose();
  live.clear();
}

/** Disposes the charts inside `holder` (a part of the view about to be drawn anew). */
export function disposeChartsIn(holder: Element): void {
  for (const chart of live) {
    if (!holder.contains(chart.getDom())) continue;
    chart.dispose();
    live.delete(chart);
  }
}

/** Replaces a drawn chart's series data (a live update) and its count of points. */
export function updateSeries(box: HTMLElement, data: unknown[][]): void {
  echarts.getInstanceByDom(box)?.setOption({ series: data.map((d) => ({ data: d })) });
  box.dataset.points = String(data.reduce((sum, d) => sum + d.length, 0));
}

window.addEventListener('resize', () => {
  for (const chart of live) chart.resize();
});

/**
 * A chart box. Once ECharts has finished drawing, the box gets data-drawn="true" and the number of data
 * points drawn (the browser tests wait for both).
 */
export function chart(name: string, option: ChartOption, height = 320): HTMLElement {
  const box = h('div', { class: 'chart', 'data-chart': name, style: `height:${height}px` });
  // The box must be in the document (with a size) before ECharts measures it.
  requestAnimationFrame(() => {
    if (!box.isConnected) return;
    const instance = echarts.init(box, undefined, { renderer: 'canvas' });
    live.add(instance);
    instance.on('finished', () => {
      box.dataset.drawn = 'true';
    });
    instance.setOption({ animation: false, tooltip: { trigger: 'axis', confine: true }, ...option });
    const series = (option.series ?? []) as { data?: unknown[] }[];
    box.dataset.points = String(series.reduce((sum, s) => sum + (s.data?.length ?? 0), 0));
  });
  return box;
}

/** A legend at the top and room under it, for charts with several series. */
export const LEGEND_GRID = { legend: { top: 0, type: 'plain' }, grid: { top: 40, left: 8, right: 16, bottom: 8, containLabel: true } };
