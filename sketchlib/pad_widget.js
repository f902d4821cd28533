// The notebook pad's view (sketchlib.pad.DrawingPad, an anywidget module: pad_canvas.js comes
// first, so SketchCanvas is defined). The reader draws; when the pen lifts, the strokes go to
// Python (`lines`, `request`), which answers with `continuations` (stroke-3 rows in canvas
// pixels) and a `status` line; they are drawn here as they come, one box each. With several
// models (`model_names`), a menu sets `model_name`, and Python finishes the drawing again.
const COLOURS = ["#0d0887", "#9c179e", "#ed7953", "#cc4778", "#f89540", "#7e03a8"];

function render({model, el}) {
  el.innerHTML = `
    <div style="font-family: sans-serif; max-width: 660px">
      <canvas width="480" height="320" style="border: 1px solid #bbb; border-radius: 4px;
        width: 100%; max-width: 480px; touch-action: none; cursor: crosshair;
        background: white"></canvas>
      <div style="display: flex; gap: 0.8em; align-items: center; margin: 0.3em 0">
        <button type="button" class="clear">Clear</button>
        <button type="button" class="again">Try again</button>
        <label class="picker">model <select></select></label>
        <label>temperature <input type="range" min="0.05" max="1" step="0.05">
          <span class="value"></span></label>
      </div>
      <div class="status" style="color: #555; font-size: 0.9em"></div>
      <div class="results" style="display: flex; flex-wrap: wrap; gap: 0.4em; margin-top: 0.3em"></div>
    </div>`;
  const canvas = el.querySelector("canvas");
  const slider = el.querySelector("input");
  const status = el.querySelector(".status");
  const boxes = el.querySelector(".results");
  const picker = el.querySelector("select");
  let run = 0;

  const ask = (lines) => {
    model.set("lines", lines.map((line) => line.map(([x, y]) => [x, y])));
    model.set("request", model.get("request") + 1);
    model.save_changes();
    status.textContent = "thinking…";
  };
  const pad = SketchCanvas.capture(canvas, () => (run += 1), ask);

  function show() {
    const mine = ++run;
    boxes.innerHTML = "";
    const lines = model.get("lines");
    const last = lines.length ? lines[lines.length - 1] : null;
    model.get("continuations").forEach((rows, k) => {
      const box = document.createElement("canvas");
      box.width = canvas.width;
      box.height = canvas.height;
      box.style.cssText = "width: 48%; border: 1px solid #ddd; border-radius: 4px";
      boxes.appendChild(box);
      const ctx = box.getContext("2d");
      // stroke-3 (pen lifted after the point) -> stroke-5 rows for SketchCanvas.animate
      const stroke5 = rows.map(([dx, dy, up]) => [dx, dy, 1 - up, up, 0]);
      SketchCanvas.fit(ctx, lines, stroke5, last[last.length - 1]); // seen whole, if smaller
      SketchCanvas.drawLines(ctx, lines, "#999");
      SketchCanvas.animate(ctx, stroke5, last[last.length - 1], false,
                           COLOURS[k % COLOURS.length], () => mine === run, () => {});
    });
    status.textContent = model.get("status");
  }

  el.querySelector(".clear").addEventListener("click", () => {
    run += 1;
    pad.clear();
    boxes.innerHTML = "";
    model.set("lines", []);
    model.set("continuations", []);
    model.save_changes();
    status.textContent = model.get("prompt");
  });
  el.querySelector(".again").addEventListener("click", () => pad.lines.length && ask(pad.lines));
  slider.value = model.get("temperature");
  el.querySelector(".value").textContent = slider.value;
  slider.addEventListener("input", () => {
    el.querySelector(".value").textContent = slider.value;
    model.set("temperature", Number(slider.value));
    model.save_changes();
  });
  const names = model.get("model_names");
  el.querySelector(".picker").hidden = !names.length;
  picker.append(...names.map((name) => new Option(name, name)));
  picker.value = model.get("model_name");
  picker.addEventListener("change", () => {
    model.set("model_name", picker.value);
    model.save_changes();
    if (pad.lines.length) status.textContent = "thinking…";
  });
  model.on("change:continuations", show);
  model.on("change:status", () => (status.textContent = model.get("status")));
  status.textContent = model.get("status");
}

export default {render};
