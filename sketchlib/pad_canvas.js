// Drawing on a canvas, shared by the book's two drawing pads: the static page where the model
// runs in the browser (chapters/draw_in_your_browser.md loads this file as a classic script)
// and the notebook pad sketchlib.pad.DrawingPad (an anywidget whose module includes this
// file). Rows are stroke-5: [dx, dy, p1, p2, p3], p1 = 1 while the pen stays down after the
// point, in canvas pixels.
var SketchCanvas = (function () {
  "use strict";
  const MIN_MOVE = 2; // canvas pixels between recorded points
  const ROWS_PER_FRAME = 3;

  // Two screen pixels wide, however small the canvas is shown.
  const lineWidth = (canvas) => 2 * canvas.width / (canvas.clientWidth || canvas.width);

  function prepare(ctx) {
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.lineWidth = lineWidth(ctx.canvas);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
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
      ctx.lineWidth = lineWidth(ctx.canvas);
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
      ctx.lineWidth = lineWidth(canvas);
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

  return {prepare, drawLines, animate, capture};
})();
