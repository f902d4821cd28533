// Run Magenta's browser library (@magenta/sketch) on a model file over given stroke-5 rows and
// print, as JSON, the distribution of the next step after the start token and after each row:
//   node pdf.js model.json input.json
// input.json: {"strokes": [[dx, dy, p1, p2, p3], ...] in the library's pixels,
//              "temperature": t, "softmax_temperature": s} (getPDF's two temperatures).
const fs = require("fs");
const sketch = require("@magenta/sketch");

const [modelPath, inputPath] = process.argv.slice(2);
const [info, shapes, weights] = JSON.parse(fs.readFileSync(modelPath, "utf8"));
const input = JSON.parse(fs.readFileSync(inputPath, "utf8"));

const model = new sketch.SketchRNN(modelPath);
model.instantiateFromJSON(info, shapes, weights); // what initialize() does after its fetch
const m = (shapes[0][1] - 3) / 6; // mixture components (sigmaY comes back too long)
let state = model.update(model.zeroInput(), model.zeroState());
const steps = [];
for (let i = 0; i <= input.strokes.length; i++) {
  const pdf = model.getPDF(state, input.temperature, input.softmax_temperature);
  steps.push({
    pi: Array.from(pdf.pi), mu_x: Array.from(pdf.muX), mu_y: Array.from(pdf.muY),
    sigma_x: Array.from(pdf.sigmaX), sigma_y: Array.from(pdf.sigmaY).slice(0, m),
    rho: Array.from(pdf.corr), pen: Array.from(pdf.pen),
  });
  if (i < input.strokes.length) state = model.update(input.strokes[i], state);
}
process.stdout.write(JSON.stringify({scale_factor: model.scaleFactor, steps}));
