import type { TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite chart as an SVG document, drawn by Vega's headless view (no canvas, no DOM). The libraries are loaded
 * on the first chart, so processes that never draw one do not load them. The view gets a loader that refuses every
 * URL: a chart draws only the data inlined in its spec.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const loader = vega.loader();
  loader.sanitize = async (uri: string) => {
    throw new Error(`a report chart loads nothing, asked for ${JSON.stringify(uri)}`);
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none', loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
