// Drawing on a canvas, shared by the book's two drawing pads: the static page where the model
// runs in the browser (chapters/draw_in_your_browser.md loads this file as a classic script)
// and the notebook pad sketchlib.pad.DrawingPad (an anywidget whose module includes this
// file). Rows are stroke-5: [dx, dy, p1, p2, p3], p1 = 1 while the pen stays down after the
// point, in canvas pixels.
var SketchCanvas = (function () {
  "use strict";
  const MIN_MOVE = 2; // canvas pixels between recorded points
  const ROWS_PER_FRAME = 3;

  const MARGIN = 0.05; // of the canvas's smaller side, around a drawing shrunk to fit

  // Two screen pixels wide, however small the canvas is shown and whatever its view.
  const lineWidth = (ctx) => 2 * ctx.canvas.width / (ctx.canvas.clientWidth || ctx.canvas.width)
    / view(ctx)[0];
  const view = (ctx) => ctx.sketchView || [1, 0, 0]; // [scale, shift x, shift y]

  // Clear the canvas and set its view: what is drawn from now on is scaled and shifted by it.
  function prepare(ctx) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    const [scale, x, y] = view(ctx);
    ctx.setTransform(scale, 0, 0, scale, x, y);
    ctx.lineWidth = lineWidth(ctx);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  }

  // Choose the view of `ctx` in which polylines `lines` and `rows` drawn from `start` are
  // seen whole: none when they lie inside the canvas, else shrunk (never enlarged) and centred
  // with a margin. Returns whether they had to be shrunk or moved.
  function fit(ctx, lines, rows, start) {
    const points = lines.flat();
    let [x, y] = start;
    points.push([x, y]);
    for (const row of rows) {
      x += row[0];
      y += row[1];
      points.push([x, y]);
    }
    const {width, height} = ctx.canvas;
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const [left, right, top, bottom] = [Math.min(...xs), Math.max(...xs), Math.min(...ys),
                                        Math.max(...ys)];
    ctx.sketchView = null;
    if (left >= 0 && top >= 0 && right <= width && bottom <= height) return false;
    const margin = MARGIN * Math.min(width, height);
    const scale = Math.min(1, (width - 2 * margin) / Math.max(right - left, 1),
                           (height - 2 * margin) / Math.max(bottom - top, 1));
    ctx.sketchView = [scale, (width - scale * (left + right)) / 2,
                      (height - scale * (top + bottom)) / 2];
    return true;
  }

  // Clear the canvas and draw polylines [[x, y], ...] in one colour.
  function drawLines(ctx, lines, colour) {
    prepare(ctx);
    ctx.strokeStyle = colour;
    for (const line of lines) {
      ctx.beginPath();
      line.forEach(([x, y], j) => (j ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.stroke();
    }
  }

  // Draw rows from `start`, a few per frame, while isCurrent() holds; then call done().
  // penDown: whether the pen touches the paper on the way to the first row's point.
  function animate(ctx, rows, start, penDown, colour, isCurrent, done) {
    let [x, y] = start;
    let i = 0;
    function frame() {
      if (!isCurrent()) return;
      ctx.strokeStyle = colour;
      ctx.lineWidth = lineWidth(ctx);
      for (let k = 0; k < ROWS_PER_FRAME && i < rows.length; k++, i++) {
        const row = rows[i];
        if (penDown) {
          ctx.beginPath();
          ctx.moveTo(x, y);
          ctx.lineTo(x + row[0], y + row[1]);
          ctx.stroke();
        }
        x += row[0];
        y += row[1];
        penDown = row[2] === 1;
      }
      if (i < rows.length) requestAnimationFrame(frame);
      else done();
    }
    requestAnimationFrame(frame);
  }

  // Let the reader draw on `canvas` with a mouse, pen or finger. onStart() when a stroke
  // begins; onEnd(lines) with every stroke so far when one ends. Returns {lines, clear}.
  function capture(canvas, onStart, onEnd) {
    const ctx = canvas.getContext("2d");
    const pad = {lines: [], clear() { pad.lines = []; prepare(ctx); }};
    let current = null;
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
              (event.clientY - box.top) * canvas.height / box.height];
    };
    canvas.addEventListener("pointerdown", (event) => {
      onStart();
      current = [point(event)];
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!current) return;
      const p = point(event);
      const q = current[current.length - 1];
      if (Math.hypot(p[0] - q[0], p[1] - q[1]) < MIN_MOVE) return;
      current.push(p);
      ctx.strokeStyle = "#222";
      ctx.lineWidth = lineWidth(ctx);
      ctx.beginPath();
      ctx.moveTo(q[0], q[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
    });
    const finish = () => {
      if (!current) return;
      if (current.length > 1) pad.lines.push(current);
      current = null;
      onEnd(pad.lines);
    };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    prepare(ctx);
    return pad;
  }

  return {prepare, fit, drawLines, animate, capture};
})();
