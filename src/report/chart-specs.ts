import type { TopLevelSpec } from 'vega-lite';

// The few chart shapes the reports use, as Vega-Lite specs over inline rows.

const WIDTH = 900;
const AXIS_DAYS = { labelOverlap: true, labelAngle: -45, title: null } as const;
type Row = Record<string, string | number>;

/** One bar per category (days, months), in the rows' order. */
export function barChart(rows: readonly Row[], x: { field: string; title: string }, y: { field: string; title: string }): TopLevelSpec {
  return {
    width: WIDTH,
    height: 220,
    data: { values: [...rows] },
    mark: { type: 'bar', tooltip: true, color: '#3b6fd4' },
    encoding: {
      x: { field: x.field, type: 'ordinal', sort: null, axis: AXIS_DAYS, title: x.title },
      y: { field: y.field, type: 'quantitative', title: y.title },
    },
  };
}

/** Stacked bars per category, coloured by `series`. */
export function stackedBarChart(rows: readonly Row[], x: { field: string; title: string }, y: { field: string; title: string }, series: { field: string; title: string }): TopLevelSpec {
  return {
    width: WIDTH,
    height: 240,
    data: { values: [...rows] },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: x.field, type: 'ordinal', sort: null, axis: AXIS_DAYS, title: x.title },
      y: { field: y.field, type: 'quantitative', title: y.title, stack: 'zero' },
      color: { field: series.field, type: 'nominal', title: series.title, legend: { orient: 'bottom', columns: 3, labelLimit: 260 } },
    },
  };
}

/** One line per series over ordered categories; points too, so a single day still shows. */
export function lineChart(rows: readonly Row[], x: { field: string; title: string }, y: { field: string; title: string }, series: { field: string; title: string }): TopLevelSpec {
  return {
    width: WIDTH,
    height: 240,
    data: { values: [...rows] },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: x.field, type: 'ordinal', sort: null, axis: AXIS_DAYS, title: x.title },
      y: { field: y.field, type: 'quantitative', title: y.title },
      color: { field: series.field, type: 'nominal', title: series.title, legend: { orient: 'bottom', columns: 3, labelLimit: 260 } },
    },
  };
}

/** Horizontal bars, longest first, split into stacked `parts` (for example successful and failed calls). */
export function rankedBarChart(rows: readonly Row[], label: { field: string; title: string }, value: { field: string; title: string }, part: { field: string; title: string; order: readonly string[]; colors: readonly string[] }): TopLevelSpec {
  return {
    width: WIDTH - 260,
    data: { values: [...rows] },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: label.field, type: 'nominal', sort: { field: 'total', order: 'descending' }, title: label.title, axis: { labelLimit: 240 } },
      x: { field: value.field, type: 'quantitative', title: value.title, stack: 'zero' },
      color: { field: part.field, type: 'nominal', title: part.title, scale: { domain: [...part.order], range: [...part.colors] }, legend: { orient: 'bottom' } },
      order: { field: 'partOrder', type: 'quantitative' },
    },
  };
}

/** A grid of cells coloured by value: rows and columns in the given order. */
export function heatmapChart(rows: readonly Row[], x: { field: string; title: string; order: readonly number[] }, y: { field: string; title: string; order: readonly string[] }, value: { field: string; title: string }): TopLevelSpec {
  return {
    width: WIDTH - 120,
    height: 210,
    data: { values: [...rows] },
    mark: { type: 'rect', tooltip: true, stroke: '#fff', strokeWidth: 1 },
    encoding: {
      x: { field: x.field, type: 'ordinal', sort: [...x.order], title: x.title, axis: { labelAngle: 0 } },
      y: { field: y.field, type: 'ordinal', sort: [...y.order], title: y.title },
      color: { field: value.field, type: 'quantitative', title: value.title, scale: { scheme: 'blues' } },
    },
  };
}
