import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

export interface Series {
  name: string;
  /** [x, y] points */
  points: [number, number][];
  /** points without lines between them (a line by default) */
  scatter?: boolean;
  /** a dashed reference line (the diagonal of a calibration or ROC chart) */
  dashed?: boolean;
}

/**
 * A line chart (or bars over categories) drawn on a canvas by ECharts. Everything it shows is drawn as canvas text, tooltips included
 * (`renderMode: 'richText'`), so stored names never become markup.
 */
export function Chart({ title, series, categories, xName, yName, height = 220 }: { title: string; series: Series[]; categories?: string[]; xName?: string; yName?: string; height?: number }) {
  // with categories: bars, the point's x is the category's index
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.setOption({
      title: { text: title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: series.length > 1 ? { top: 22, type: 'scroll' } : undefined,
      grid: { top: series.length > 1 ? 56 : 36, left: 56, right: 16, bottom: categories && categories.length > 6 ? 64 : 28 },
      xAxis: categories ? { type: 'category', data: categories, axisLabel: { interval: 0, overflow: 'truncate', width: 80, rotate: categories.length > 6 ? 35 : 0 } } : { type: 'value', name: xName, nameLocation: 'middle', nameGap: 22, scale: true },
      yAxis: { type: 'value', scale: !categories, name: yName, nameLocation: 'middle', nameGap: 40 },
      animation: false,
      series: series.map((s) =>
        categories
          ? { name: s.name, type: 'bar', data: s.points.map((p) => p[1]) }
          : s.scatter
            ? { name: s.name, type: 'scatter', data: s.points, symbolSize: 4 }
            : { name: s.name, type: 'line', data: s.points, showSymbol: s.points.length < 40, ...(s.dashed ? { lineStyle: { type: 'dashed' }, showSymbol: false } : {}) },
      ),
    });
    const resize = () => chart.resize();
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [title, series, categories, xName, yName]);
  // the height comes from a class: inline styles are refused by the page's Content-Security-Policy
  return <div ref={el} className={height > 260 ? "chart tall" : "chart"} role="img" aria-label={title} />;
}
