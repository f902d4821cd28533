// The notebook pad's view (sketchlib/pad_canvas.js + sketchlib/pad_widget.js, the module of
// sketchlib.pad.DrawingPad) in headless Chromium, with a stand-in for the widget model that
// answers as Python would: draw a stroke with synthetic pointer events, check that the
// strokes reach the model and that its continuations are drawn, one box each, with no
// console error. Writes a screenshot.   node widget_test.js SCREENSHOT_FOLDER
const fs = require("fs");
const path = require("path");
const {launch, colouredPixels, finish} = require("./chromium");

const shots = process.argv[2] || "screenshots";
const sketchlib = path.join(__dirname, "..", "sketchlib");
const padModule = fs.readFileSync(path.join(sketchlib, "pad_canvas.js"), "utf8") +
  fs.readFileSync(path.join(sketchlib, "pad_widget.js"), "utf8");

// A widget model that keeps traits and, when `request` rises, answers with three
// continuations (a zigzag, a square, a line: stroke-3 rows in pixels) as Python does.
const harness = `
const traits = {lines: [], request: 0, temperature: 0.3, continuations: [],
                status: "Draw the start of a sheep."};
const listeners = {};
const model = {
  get: (name) => traits[name],
  set: (name, value) => { traits[name] = value; },
  on: (event, callback) => { (listeners[event] = listeners[event] || []).push(callback); },
  save_changes() {
    if (traits.request === window.answered) return;
    window.answered = traits.request;
    window.received = traits.lines;
    setTimeout(() => {
      traits.continuations = [
        Array.from({length: 20}, (_, i) => [8, i % 2 ? 12 : -12, 0]),
        [[0, 40, 0], [40, 0, 0], [0, -40, 0], [-40, 0, 1]],
        [[-30, 30, 0], [90, 0, 1]]];
      traits.status = "3 continuations";
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
  await page.locator("#root").screenshot({path: path.join(shots, "notebook_pad.png")});
  await browser.close();

  console.log(JSON.stringify({strokes: received.length, points: received[0].length, coloured,
                              status, errors}));
  const problems = [];
  if (received.length !== 1 || received[0].length < 10) {
    problems.push("the stroke did not reach the model");
  }
  if (coloured.length !== 3 || Math.min(...coloured) < 20) {
    problems.push("not every continuation was drawn");
  }
  if (status !== "3 continuations") problems.push(`status line: ${status}`);
  if (errors.length) problems.push(`console errors: ${errors.join(" | ")}`);
  finish("notebook pad test", problems);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
