// The book's drawing pad: the reader draws on a canvas and the sheep decoder, running in this
// page with Magenta's browser library (window.ms, from @magenta/sketch), finishes the drawing
// several times; a second panel draws from nothing. The model arrives as a script
// (window.SKETCH_MODELS.sheep_decoder, written by `sketchlib export` when the book is built),
// so the page works from disk and from any static host with no request to another site.
//
// How a completion works: the decoder reads the start token and then every row of the
// reader's drawing (in stroke-5, offsets divided by the model's scale factor), which leaves it
// in the state it would have had if it had drawn those strokes itself; from there it samples
// one row at a time, feeding each back, until it ends the sketch (p3) or reaches max_seq_len.
//
// Temperature as in the book (sketchlib): sigma times tau and the mixture logits divided by
// tau, which is the library's getPDF(state, tau * tau, tau); the pen state is drawn from the
// model's own probabilities (sketchlib's default pen temperature, 1).

(function () {
  "use strict";
  const COLOURS = ["#0d0887", "#9c179e", "#ed7953"]; // plasma, as the book's figures
  const PIXEL_FACTOR = 0.8; // data units of aaron_sheep per canvas pixel (a sheep: ~300 px)
  const MIN_MOVE = 2; // canvas pixels between recorded points
  const ROWS_PER_FRAME = 3;

  function makeModel() {
    const [info, shapes, weights] = window.SKETCH_MODELS.sheep_decoder;
    const model = new ms.SketchRNN("embedded");
    model.instantiateFromJSON(info, shapes, weights); // what initialize() does after fetch
    model.setPixelFactor(PIXEL_FACTOR);
    return model;
  }

  // Polylines [[x, y], ...] in canvas pixels -> stroke-5 rows, each an offset from the
  // previous point (the first point is where the drawing starts).
  function toStroke5(lines) {
    const rows = [];
    let last = null;
    for (const line of lines) {
      line.forEach(([x, y], j) => {
        if (last !== null) rows.push([x - last[0], y - last[1], 1, 0, 0]);
        last = [x, y];
      });
      if (rows.length) rows[rows.length - 1].splice(2, 3, 0, 1, 0); // pen up at its end
    }
    return rows;
  }

  // Rows sampled from a state until the model ends the sketch or `budget` rows are drawn.
  function sampleRows(model, state, temperature, budget) {
    const rows = [];
    for (let t = 0; t < budget; t++) {
      const mixture = model.getPDF(state, temperature * temperature, temperature);
      const pen = model.getPDF(state, 1, 1).pen;
      const row = model.sample({...mixture, pen});
      if (row[4] === 1) return {rows, ended: true};
      rows.push(row);
      state = model.update(row, state);
    }
    return {rows, ended: false};
  }

  // Draw stroke-5 rows from `start`, a few per frame; `penDown`: whether the pen touches the
  // paper on the way to the first row's point.
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

  // Two screen pixels wide, however small the canvas is shown.
  const lineWidth = (canvas) => 2 * canvas.width / (canvas.clientWidth || canvas.width);

  function prepare(ctx, canvas) {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = lineWidth(canvas);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  }

  function setUpPad(model, root) {
    const canvas = root.querySelector(":scope > canvas");
    const ctx = canvas.getContext("2d");
    const slider = root.querySelector("input[type=range]");
    const status = root.querySelector(".sketch-status");
    const results = Array.from(root.querySelectorAll(".sketch-results canvas"));
    let lines = [];
    let current = null;
    let run = 0; // animations of an older request stop when this changes

    function drawMine(context, target, colour) {
      prepare(context, target);
      context.strokeStyle = colour;
      for (const line of lines) {
        context.beginPath();
        line.forEach(([x, y], j) => (j ? context.lineTo(x, y) : context.moveTo(x, y)));
        context.stroke();
      }
    }
    const redraw = () => drawMine(ctx, canvas, "#222");

    function complete() {
      const mine = ++run;
      results.forEach((target) => drawMine(target.getContext("2d"), target, "#999"));
      const rows = toStroke5(lines.map((line) => model.simplifyLine(line, 1.5)));
      if (!rows.length) return;
      let state = model.update(model.zeroInput(), model.zeroState());
      state = model.updateStrokes(rows, state);
      const budget = Math.max(model.info.max_seq_len - rows.length, 1);
      const tau = Number(slider.value);
      const drawn = results.map(() => sampleRows(model, model.copyState(state), tau, budget));
      let finished = 0;
      root.dataset.completions = "0";
      status.textContent = "drawing…";
      drawn.forEach((result, k) => {
        animate(results[k].getContext("2d"), result.rows, lines.at(-1).at(-1), false,
                COLOURS[k], () => mine === run, () => {
          finished += 1;
          root.dataset.completions = String(finished);
          root.dataset.rows = String(drawn.reduce((n, r) => n + r.rows.length, 0));
          if (finished === drawn.length) {
            const ended = drawn.filter((r) => r.ended).length;
            status.textContent = `${drawn.length} continuations of your ${rows.length} ` +
              `rows at temperature ${tau}; ${ended} ended by the model`;
          }
        });
      });
    }

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
              (event.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", (event) => {
      run += 1; // stop the continuations being drawn
      current = [point(event)];
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!current) return;
      const p = point(event);
      const q = current.at(-1);
      if (Math.hypot(p[0] - q[0], p[1] - q[1]) < MIN_MOVE) return;
      current.push(p);
      ctx.strokeStyle = "#222";
      ctx.beginPath();
      ctx.moveTo(q[0], q[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
    });
    const finishStroke = () => {
      if (!current) return;
      if (current.length > 1) lines.push(current);
      current = null;
      complete();
    };
    canvas.addEventListener("pointerup", finishStroke);
    canvas.addEventListener("pointercancel", finishStroke);
    root.querySelector(".sketch-clear").addEventListener("click", () => {
      run += 1;
      lines = [];
      redraw();
      results.forEach((target) => prepare(target.getContext("2d"), target));
      status.textContent = "Draw the start of a sheep.";
    });
    root.querySelector(".sketch-again").addEventListener("click", complete);
    showValue(slider, root);
    redraw();
  }

  function setUpFromNothing(model, root) {
    const canvas = root.querySelector("canvas");
    const ctx = canvas.getContext("2d");
    const slider = root.querySelector("input[type=range]");
    let run = 0;
    function draw() {
      const mine = ++run;
      prepare(ctx, canvas);
      const state = model.update(model.zeroInput(), model.zeroState());
      const tau = Number(slider.value);
      const {rows, ended} = sampleRows(model, state, tau, model.info.max_seq_len);
      // Centre the drawing: its points relative to its first one, then shifted.
      let x = 0, y = 0, box = [0, 0, 0, 0];
      for (const row of rows) {
        x += row[0];
        y += row[1];
        box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x),
               Math.max(box[3], y)];
      }
      const start = [(canvas.width - box[0] - box[2]) / 2, (canvas.height - box[1] - box[3]) / 2];
      animate(ctx, rows, start, true, COLOURS[0], () => mine === run, () => {
        root.dataset.drawn = String(Number(root.dataset.drawn || 0) + 1);
        root.querySelector(".sketch-status").textContent =
          `${rows.length} rows at temperature ${tau}, ` +
          (ended ? "ended by the model" : "stopped at max_seq_len");
      });
    }
    root.querySelector(".sketch-draw").addEventListener("click", draw);
    showValue(slider, root);
    draw();
  }

  function showValue(slider, root) {
    const shown = root.querySelector(".sketch-temperature");
    slider.addEventListener("input", () => (shown.textContent = slider.value));
    shown.textContent = slider.value;
  }

  window.addEventListener("load", () => {
    const model = makeModel();
    document.querySelectorAll(".sketch-pad").forEach((root) => setUpPad(model, root));
    document.querySelectorAll(".sketch-nothing").forEach((root) => setUpFromNothing(model, root));
    document.body.dataset.sketchReady = "yes";
  });
})();
