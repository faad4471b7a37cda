// The histogram plot (uPlot) with two draggable markers, min and max: dragging one calls
// `onChange(which, value)` as it moves and `onCommit(which, value)` when it is let go.

import uPlot from './vendor/uplot/uPlot.esm.js';

const MARKER_GRAB_PX = 10;

/** A count as a short label: 950, 12k, 1.5M. */
function compactCount(n) {
  const a = Math.abs(n);
  if (a >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export class HistogramPlot {
  constructor(container, { onChange, onCommit }) {
    this.container = container;
    this.onChange = onChange;
    this.onCommit = onCommit;
    this.markers = { min: null, max: null };
    this.showMarkers = false;
    this.plot = null;
    this.dragging = null;
  }

  /** The bins as uPlot series: bin centres and counts. `hist` is the core's band histogram entry. */
  setData(hist) {
    const edges = hist.bin_edges;
    const xs = hist.hist.map((_, i) => (edges[i] + edges[i + 1]) / 2);
    this.range = [edges[0], edges[edges.length - 1]];
    const data = [xs, Array.from(hist.hist)];
    const width = Math.max(200, this.container.clientWidth || 280);
    if (this.plot) this.plot.destroy();
    const self = this;
    this.plot = new uPlot(
      {
        width,
        height: 150,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: { x: { time: false, range: () => this.range }, y: { range: (u, lo, hi) => [0, hi || 1] } },
        axes: [
          { stroke: '#ccc', grid: { stroke: '#444' }, ticks: { stroke: '#666' }, size: 30 },
          // Counts in a compact form (12k, 1.5M) so the labels fit the axis.
          { stroke: '#ccc', grid: { stroke: '#444' }, ticks: { stroke: '#666' }, size: 44, values: (u, ticks) => ticks.map(compactCount) },
        ],
        series: [{}, { label: 'pixels', stroke: '#7cc4ff', fill: 'rgba(124,196,255,0.35)', paths: uPlot.paths.bars({ size: [1, Infinity], gap: 0 }) }],
        hooks: { draw: [(u) => self.#drawMarkers(u)] },
      },
      data,
      this.container,
    );
    this.#listen();
  }

  /** Marker positions (numbers; anything else puts the marker at that end of the plot, dashed). */
  setMarkers(min, max, show) {
    this.markers = { min, max };
    this.showMarkers = show;
    this.plot?.redraw(false, false);
  }

  #value(which) {
    const v = this.markers[which];
    if (Number.isFinite(v)) return { v, exact: true };
    return { v: which === 'min' ? this.range[0] : this.range[1], exact: false };
  }

  #drawMarkers(u) {
    if (!this.showMarkers) return;
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    for (const which of ['min', 'max']) {
      const { v, exact } = this.#value(which);
      const x = Math.round(u.valToPos(v, 'x', true));
      ctx.save();
      ctx.strokeStyle = which === 'min' ? '#ffd54a' : '#ff7a59';
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash(exact ? [] : [6, 4]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillStyle = ctx.strokeStyle;
      ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
      ctx.fillText(which, x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
      ctx.restore();
    }
  }

  /** The screen x (CSS pixels, from the plot area's left) of a marker. */
  markerX(which) {
    return this.plot.valToPos(this.#value(which).v, 'x');
  }

  #listen() {
    const over = this.plot.over;
    const toValue = (e) => this.plot.posToVal(e.clientX - over.getBoundingClientRect().left, 'x');
    over.addEventListener('pointerdown', (e) => {
      if (!this.showMarkers) return;
      const x = e.clientX - over.getBoundingClientRect().left;
      const near = ['min', 'max']
        .map((w) => ({ w, d: Math.abs(this.markerX(w) - x) }))
        .filter((m) => m.d <= MARKER_GRAB_PX)
        .sort((a, b) => a.d - b.d)[0];
      if (!near) return;
      this.dragging = near.w;
      over.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    over.addEventListener('pointermove', (e) => {
      if (!this.dragging) return;
      const v = this.#clamp(toValue(e));
      this.markers[this.dragging] = v;
      this.onChange(this.dragging, v);
      this.plot.redraw(false, false);
    });
    const end = (e) => {
      if (!this.dragging) return;
      const which = this.dragging;
      this.dragging = null;
      const v = this.#clamp(toValue(e));
      this.markers[which] = v;
      this.onCommit(which, v);
    };
    over.addEventListener('pointerup', end);
    over.addEventListener('pointercancel', end);
  }

  #clamp(v) {
    const [lo, hi] = this.range;
    return Math.min(hi, Math.max(lo, v));
  }
}
