// The value under the pointer on the run page's charts. The charts are SVG drawn on the server (ScottPlot); each
// chart's element carries data-pointer (see ChartPointerData.cs): where the data area lies in the SVG, the X limits
// and every series' plotted points. One listener on the document serves every chart, including charts Blazor redraws
// later, and the read-out lives outside Blazor's DOM (appended to <body>) so a redraw never fights it.
(() => {
    const tip = document.createElement('div');
    tip.className = 'chart-pointer-tip';
    tip.setAttribute('data-testid', 'chart-pointer');
    tip.setAttribute('role', 'status');
    const guide = document.createElement('div');
    guide.className = 'chart-pointer-guide';
    const parsed = new WeakMap();

    function dataOf(chart) {
        const raw = chart.getAttribute('data-pointer');
        if (!raw) return null;
        let entry = parsed.get(chart);
        if (!entry || entry.raw !== raw) {
            entry = { raw, data: JSON.parse(raw) };
            parsed.set(chart, entry);
        }
        return entry.data;
    }

    // The index of the point nearest to x in an ascending array.
    function nearest(xs, x) {
        let lo = 0, hi = xs.length - 1;
        while (hi - lo > 1) {
            const mid = (lo + hi) >> 1;
            if (xs[mid] <= x) lo = mid; else hi = mid;
        }
        return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
    }

    function number(v) {
        const a = Math.abs(v);
        if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
        return String(Number(v.toPrecision(4)));
    }

    function hide() {
        tip.style.display = 'none';
        guide.style.display = 'none';
    }

    function show(event) {
        const chart = event.target instanceof Element ? event.target.closest('.svg-chart[data-pointer]') : null;
        const svg = chart && chart.querySelector('svg');
        const d = chart && dataOf(chart);
        if (!svg || !d || d.s.length === 0) return hide();
        const box = svg.getBoundingClientRect();
        const scale = box.width / d.w; // CSS scales the SVG to its cell, keeping its aspect ratio
        const px = (event.clientX - box.left) / scale;
        const py = (event.clientY - box.top) / scale;
        if (px < d.l || px > d.r || py < d.t || py > d.b) return hide();
        const x = d.x0 + (px - d.l) / (d.r - d.l) * (d.x1 - d.x0);

        // Each series' nearest point; the read-out's X is the one closest to the pointer.
        const points = d.s.filter(s => s.x.length > 0).map(s => {
            const i = nearest(s.x, x);
            return { name: s.n, color: s.c, x: s.x[i], y: s.y[i] };
        });
        if (points.length === 0) return hide();
        const at = points.reduce((best, p) => Math.abs(p.x - x) < Math.abs(best.x - x) ? p : best).x;

        tip.replaceChildren();
        const head = document.createElement('div');
        head.className = 'chart-pointer-head';
        head.textContent = `${d.xl} ${number(at)}`;
        tip.appendChild(head);
        for (const p of points) {
            const row = document.createElement('div');
            const swatch = document.createElement('span');
            swatch.className = 'chart-pointer-swatch';
            swatch.style.background = p.color;
            row.appendChild(swatch);
            row.appendChild(document.createTextNode(`${p.name}: ${number(p.y)}` + (p.x !== at ? ` (at ${d.xl} ${number(p.x)})` : '')));
            tip.appendChild(row);
        }
        if (!tip.isConnected) document.body.append(tip, guide);

        const guideX = box.left + (d.l + (at - d.x0) / (d.x1 - d.x0) * (d.r - d.l)) * scale;
        guide.style.display = 'block';
        guide.style.left = `${guideX}px`;
        guide.style.top = `${box.top + d.t * scale}px`;
        guide.style.height = `${(d.b - d.t) * scale}px`;
        tip.style.display = 'block';
        // Beside the pointer, flipped to the other side near the window's right edge.
        const right = event.clientX + 16 + tip.offsetWidth > window.innerWidth;
        tip.style.left = `${right ? event.clientX - 16 - tip.offsetWidth : event.clientX + 16}px`;
        tip.style.top = `${Math.max(4, event.clientY - tip.offsetHeight - 8)}px`;
    }

    document.addEventListener('pointermove', show, { passive: true });
    document.addEventListener('scroll', hide, { passive: true, capture: true });
    document.addEventListener('pointerleave', hide);
})();
