// The notebook pad's view (sketchlib/pad_canvas.js + sketchlib/pad_widget.js, the module of
// sketchlib.pad.DrawingPad) in headless Chromium, with a stand-in for the widget model that
// answers as Python would: draw a stroke with synthetic pointer events, check that the
// strokes reach the model and that its continuations are drawn, one box each; then choose the
// other model in the menu and check that its continuations replace them; no console error.
// Writes screenshots.   node widget_test.js SCREENSHOT_FOLDER
const fs = require("fs");
const path = require("path");
const {launch, colouredPixels, finish} = require("./chromium");

const shots = process.argv[2] || "screenshots";
const sketchlib = path.join(__dirname, "..", "sketchlib");
const padModule = fs.readFileSync(path.join(sketchlib, "pad_canvas.js"), "utf8") +
  fs.readFileSync(path.join(sketchlib, "pad_widget.js"), "utf8");

// A widget model of two models that keeps traits and, when `request` rises or
// `model_name` changes, answers as Python does with the chosen model's continuations
// (stroke-3 rows in pixels): the sheep's three (a zigzag, a square, a line), the bird's two
// (a triangle, a hook).
const harness = `
const traits = {lines: [], request: 0, temperature: 0.3, continuations: [],
                model_names: ["sheep", "magenta/bird"], model_name: "sheep",
                prompt: "Draw the start of a sheep.", status: "Draw the start of a sheep."};
const answers = {
  sheep: [Array.from({length: 20}, (_, i) => [8, i % 2 ? 12 : -12, 0]),
          [[0, 40, 0], [40, 0, 0], [0, -40, 0], [-40, 0, 1]],
          [[-30, 30, 0], [90, 0, 1]]],
  "magenta/bird": [[[60, 0, 0], [-30, 50, 0], [-30, -50, 1]],
                   [[0, 60, 0], [40, 0, 0], [0, -20, 1]]],
};
const listeners = {};
let answered = {request: 0, model_name: "sheep"};
const model = {
  get: (name) => traits[name],
  set: (name, value) => { traits[name] = value; },
  on: (event, callback) => { (listeners[event] = listeners[event] || []).push(callback); },
  save_changes() {
    if (traits.request === answered.request && traits.model_name === answered.model_name) {
      return;
    }
    answered = {request: traits.request, model_name: traits.model_name};
    window.received = traits.lines;
    setTimeout(() => {
      traits.continuations = answers[traits.model_name];
      traits.status = traits.continuations.length + " continuations by " + traits.model_name;
      for (const callback of listeners["change:continuations"] || []) callback();
      for (const callback of listeners["change:status"] || []) callback();
    }, 50);
  },
};
render({model, el: document.getElementById("root")});
window.ready = true;`;


(async () => {
  fs.mkdirSync(shots, {recursive: true});
  const browser = await launch();
  const page = await browser.newPage({viewport: {width: 800, height: 700}});
  const errors = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.setContent('<div id="root"></div>');
  await page.addScriptTag({type: "module", content: padModule + harness});
  await page.waitForFunction(() => window.ready === true, null, {timeout: 30000});
  const box = await page.locator("#root canvas").first().boundingBox();
  await page.mouse.move(box.x + 150, box.y + 160);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 150 + 8 * i, box.y + 160 - 3 * i);
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelectorAll(".results canvas").length === 3,
                             null, {timeout: 30000});
  await page.waitForTimeout(1500); // the animation: a few rows per frame
  const received = await page.evaluate(() => window.received);
  const coloured = await page.evaluate(colouredPixels, ".results canvas");
  const status = await page.evaluate(() => document.querySelector(".status").textContent);
  const menu = await page.evaluate(() => ({
    shown: document.querySelector(".picker").checkVisibility(),
    options: Array.from(document.querySelectorAll("select option"), (o) => o.value)}));
  await page.locator("#root").screenshot({path: path.join(shots, "notebook_pad.png")});

  await page.selectOption("select", "magenta/bird");
  await page.waitForFunction(() => document.querySelectorAll(".results canvas").length === 2,
                             null, {timeout: 30000});
  await page.waitForTimeout(1500);
  const bird = await page.evaluate(colouredPixels, ".results canvas");
  const birdStatus = await page.evaluate(() => document.querySelector(".status").textContent);
  await page.locator("#root").screenshot({path: path.join(shots, "notebook_pad_bird.png")});
  await browser.close();

  console.log(JSON.stringify({strokes: received.length, points: received[0].length, coloured,
                              status, menu, bird, birdStatus, errors}));
  const problems = [];
  if (received.length !== 1 || received[0].length < 10) {
    problems.push("the stroke did not reach the model");
  }
  if (coloured.length !== 3 || Math.min(...coloured) < 20) {
    problems.push("not every continuation was drawn");
  }
  if (status !== "3 continuations by sheep") problems.push(`status line: ${status}`);
  if (!menu.shown || menu.options.join() !== "sheep,magenta/bird") {
    problems.push(`the model menu: ${JSON.stringify(menu)}`);
  }
  if (bird.length !== 2 || Math.min(...bird) < 20 ||
      birdStatus !== "2 continuations by magenta/bird") {
    problems.push("choosing magenta/bird did not draw its continuations");
  }
  if (errors.length) problems.push(`console errors: ${errors.join(" | ")}`);
  finish("notebook pad test", problems);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
