// The book's drawing page: the reader draws on a canvas and a decoder, running in this page
// with Magenta's browser library (window.ms, from @magenta/sketch), finishes the drawing three
// times; a second panel draws from nothing. Each panel has a menu of the models that the
// book's build wrote (window.SKETCH_MODEL_LIST, in _static/sketch/models.js): the book's sheep
// decoder and those of Magenta's published models that the build found. A model is a script
// that sets window.SKETCH_MODELS[key] (written with sketchlib.browser by the build), inserted
// into the page when the model is first picked (Magenta's are 3 MB each); the canvas code is
// sketchlib's (SketchCanvas, sketchlib/pad_canvas.js). So the page works from disk and from
// any static host with no request to another site.
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
  // Data units per canvas pixel: a sheep of aaron_sheep (~240 units wide) or a drawing of
  // Quick, Draw! (at most 255 units) is drawn about 300 px wide.
  const PIXEL_FACTOR = 0.8;
  const SCRIPTS = new URL("sketch/", document.currentScript.src); // the models' scripts
  const loading = {}; // key -> promise of the model: each script is inserted once

  // The model of an entry of SKETCH_MODEL_LIST, its script inserted the first time.
  function loadModel(entry) {
    loading[entry.key] = loading[entry.key] || new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(entry.script, SCRIPTS).href;
      script.onload = () => resolve(makeModel(window.SKETCH_MODELS[entry.key]));
      script.onerror = () => reject(new Error(`${entry.script} did not load`));
      document.head.append(script);
    });
    return loading[entry.key];
  }

  function makeModel([info, shapes, weights]) {
    const model = new ms.SketchRNN("embedded");
    model.instantiateFromJSON(info, shapes, weights); // what initialize() does after fetch
    model.setPixelFactor(PIXEL_FACTOR);
    return model;
  }

  // Fill the panel's menu with the models and show the credit of the one picked; use(model,
  // entry) once the first has loaded (the returned promise), and again for each one the
  // reader picks (a pick overtaken by another while its model loads is dropped).
  function setUpPicker(root, use) {
    const select = root.querySelector(".sketch-model");
    const status = root.querySelector(".sketch-status");
    select.append(...SKETCH_MODEL_LIST.map((entry) => new Option(entry.label, entry.key)));
    let picks = 0;
    async function pick() {
      const mine = ++picks;
      const entry = SKETCH_MODEL_LIST[select.selectedIndex];
      root.querySelector(".sketch-credit").textContent = entry.credit;
      status.textContent = `loading ${entry.label}…`;
      try {
        const model = await loadModel(entry);
        if (mine !== picks) return;
        use(model, entry);
        root.dataset.model = entry.key;
      } catch (error) {
        status.textContent = error.message;
      }
    }
    select.addEventListener("change", pick);
    return pick();
  }

  // Polylines [[x, y], ...] in canvas pixels -> stroke-5 rows, each an offset from the
  // previous point (the first point is where the drawing starts).
  function toStroke5(lines) {
    const rows = [];
    let last = null;
    for (const line of lines) {
      line.forEach(([x, y]) => {
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

  function setUpPad(root) {
    let model = null, prompt = "";
    const slider = root.querySelector("input[type=range]");
    const status = root.querySelector(".sketch-status");
    const results = Array.from(root.querySelectorAll(".sketch-results canvas"),
                               (canvas) => canvas.getContext("2d"));
    let run = 0; // animations of an older request stop when this changes
    const pad = SketchCanvas.capture(root.querySelector(":scope > canvas"),
                                     () => (run += 1), complete);

    function complete() {
      const mine = ++run;
      if (!model) return;
      const rows = toStroke5(pad.lines.map((line) => model.simplifyLine(line, 1.5)));
      if (!rows.length) return;
      let state = model.update(model.zeroInput(), model.zeroState());
      state = model.updateStrokes(rows, state);
      const budget = Math.max(model.info.max_seq_len - rows.length, 1);
      const tau = Number(slider.value);
      const drawn = results.map(() => sampleRows(model, model.copyState(state), tau, budget));
      const last = pad.lines[pad.lines.length - 1];
      const end = last[last.length - 1];
      // A continuation that leaves its box is shown whole, smaller, with the reader's strokes.
      const shrunk = results.filter((ctx, k) => SketchCanvas.fit(ctx, pad.lines,
                                                                 drawn[k].rows, end)).length;
      results.forEach((ctx) => SketchCanvas.drawLines(ctx, pad.lines, "#999"));
      let finished = 0;
      root.dataset.completions = "0";
      status.textContent = "drawing…";
      drawn.forEach((result, k) => {
        SketchCanvas.animate(results[k], result.rows, end, false,
                             COLOURS[k], () => mine === run, () => {
          finished += 1;
          root.dataset.completions = String(finished);
          root.dataset.rows = String(drawn.reduce((n, r) => n + r.rows.length, 0));
          if (finished === drawn.length) {
            const ended = drawn.filter((r) => r.ended).length;
            // per box: the rows that the pen draws (a continuation may lift it throughout)
            const inked = drawn.map((r) => r.rows.filter((row, j) =>
              j > 0 && r.rows[j - 1][2] === 1).length);
            const blank = inked.filter((n) => n === 0).length;
            Object.assign(root.dataset, {shrunk: String(shrunk), inked: inked.join(",")});
            status.textContent = `${drawn.length} continuations of your ${rows.length} ` +
              `rows at temperature ${tau}; ${ended} ended by the model` +
              (shrunk ? `; ${shrunk} left the box and ${shrunk > 1 ? "are" : "is"} shown ` +
                        "smaller, whole" : "") +
              (blank ? `; ${blank} drew no line (the pen stayed up)` : "");
          }
        });
      });
    }

    root.querySelector(".sketch-clear").addEventListener("click", () => {
      run += 1;
      pad.clear();
      results.forEach((ctx) => { ctx.sketchView = null; SketchCanvas.prepare(ctx); });
      root.dataset.completions = "0";
      status.textContent = prompt;
    });
    root.querySelector(".sketch-again").addEventListener("click", complete);
    showValue(slider, root);
    return setUpPicker(root, (picked, entry) => { // a drawing: finished again by the new model
      [model, prompt] = [picked, entry.prompt];
      if (pad.lines.length) complete();
      else status.textContent = prompt;
    });
  }

  function setUpFromNothing(root) {
    const ctx = root.querySelector("canvas").getContext("2d");
    const slider = root.querySelector("input[type=range]");
    const status = root.querySelector(".sketch-status");
    let model = null, run = 0;
    function draw() {
      const mine = ++run;
      if (!model) return;
      status.textContent = "drawing…";
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
      const start = [(ctx.canvas.width - box[0] - box[2]) / 2,
                     (ctx.canvas.height - box[1] - box[3]) / 2];
      SketchCanvas.fit(ctx, [], rows, start); // a drawing larger than the box: smaller
      SketchCanvas.prepare(ctx);
      SketchCanvas.animate(ctx, rows, start, true, COLOURS[0], () => mine === run, () => {
        root.dataset.drawn = String(Number(root.dataset.drawn || 0) + 1);
        status.textContent = `${rows.length} rows at temperature ${tau}, ` +
          (ended ? "ended by the model" : "stopped at max_seq_len");
      });
    }
    root.querySelector(".sketch-draw").addEventListener("click", draw);
    showValue(slider, root);
    return setUpPicker(root, (picked) => {
      model = picked;
      draw();
    });
  }

  function showValue(slider, root) {
    const shown = root.querySelector(".sketch-temperature");
    slider.addEventListener("input", () => (shown.textContent = slider.value));
    shown.textContent = slider.value;
  }

  window.addEventListener("load", async () => {
    await Promise.all([...Array.from(document.querySelectorAll(".sketch-pad"), setUpPad),
                       ...Array.from(document.querySelectorAll(".sketch-nothing"),
                                     setUpFromNothing)]);
    document.body.dataset.sketchReady = "yes";
  });
})();
