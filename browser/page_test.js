// Open the built book's drawing page in headless Chromium, from disk, and use it as a reader:
// wait for the model, check that "draw from nothing" drew, draw one stroke with synthetic
// pointer events, and check that three continuations were drawn in colour, one per box (also
// of a zig-zag across the whole pad, whose continuations leave it); then pick Magenta's bird
// in both panels' menus and check that it finishes the stroke and draws from nothing, its
// script loaded only then. Checks too that the console shows no error and that the page asked
// nothing outside the book's folder. The bird is checked when the build wrote it, and must be
// when SKETCHLIB_DATA_DIR holds magenta/bird.gen.json (as in CI). Writes screenshots.
//   node page_test.js ../_build/html/chapters/draw_in_your_browser.html SCREENSHOT_FOLDER
const fs = require("fs");
const path = require("path");
const {pathToFileURL} = require("url");
const {launch, colouredPixels, finish} = require("./chromium");

const [pagePath, shots = "screenshots"] = process.argv.slice(2);
const book = pathToFileURL(path.resolve(path.dirname(pagePath), "..")).href + "/";
const OTHER = "magenta/bird";
const dataDir = process.env.SKETCHLIB_DATA_DIR;
const otherExpected = Boolean(dataDir) &&
  fs.existsSync(path.join(dataDir, "magenta", "bird.gen.json"));


(async () => {
  fs.mkdirSync(shots, {recursive: true});
  const browser = await launch();
  const page = await browser.newPage({viewport: {width: 1200, height: 1000}});
  const errors = [];
  const elsewhere = [];
  const scripts = []; // the models' scripts asked for, in order
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(book) && !/^(data|blob):/.test(url)) elsewhere.push(url);
    const script = url.match(/_static\/sketch\/((magenta_)?\w+_?\w*\.js)$/);
    if (script && script[1] !== "magentasketch.js" && script[1] !== "pad_canvas.js") {
      scripts.push(script[1]);
    }
  });
  await page.goto("file://" + path.resolve(pagePath));
  await page.waitForFunction(() => document.body.dataset.sketchReady === "yes", null,
                             {timeout: 60000});
  await page.waitForFunction(() => document.querySelector(".sketch-nothing").dataset.drawn,
                             null, {timeout: 60000});
  const fromNothing = await page.evaluate(colouredPixels, ".sketch-nothing canvas");

  const canvas = page.locator(".sketch-pad > canvas");
  const box = {};
  const at = (u, v) => [box.x + u * box.width, box.y + v * box.height];
  async function drawArc() { // the arc of a sheep's back, left to right
    await canvas.scrollIntoViewIfNeeded();
    Object.assign(box, await canvas.boundingBox());
    await page.mouse.move(...at(0.3, 0.55));
    await page.mouse.down();
    for (let i = 1; i <= 40; i++) {
      const t = i / 40;
      await page.mouse.move(...at(0.3 + 0.4 * t, 0.55 - 0.2 * Math.sin(Math.PI * t)));
    }
    await page.mouse.up();
  }
  await drawArc();
  await page.waitForFunction(() => document.querySelector(".sketch-pad").dataset.completions
                             === "3", null, {timeout: 120000});
  const pad = await page.evaluate(() => ({
    rows: Number(document.querySelector(".sketch-pad").dataset.rows),
    status: document.querySelector(".sketch-pad .sketch-status").textContent,
  }));
  const continuations = await page.evaluate(colouredPixels, ".sketch-results canvas");
  await page.screenshot({path: path.join(shots, "draw_page.png"), fullPage: true});
  await page.locator(".sketch-pad").screenshot({path: path.join(shots, "draw_pad.png")});

  // A zig-zag across the whole pad: most continuations of it run out of the box, and each must
  // still be seen (shrunk to fit), not leave a blank box.
  await page.click(".sketch-pad .sketch-clear");
  await canvas.scrollIntoViewIfNeeded();
  Object.assign(box, await canvas.boundingBox());
  await page.mouse.move(...at(0.04, 0.3));
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(...at(0.04 + 0.075 * i, i % 2 ? 0.7 : 0.3), {steps: 6});
  }
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector(".sketch-pad").dataset.completions
                             === "3", null, {timeout: 120000});
  const zigzag = await page.evaluate(colouredPixels, ".sketch-results canvas");
  const [zigzagStatus, inked] = await page.evaluate(() => [
    document.querySelector(".sketch-pad .sketch-status").textContent,
    document.querySelector(".sketch-pad").dataset.inked.split(",").map(Number)]);
  await page.locator(".sketch-pad").screenshot({path: path.join(shots, "draw_zigzag.png")});
  await page.locator(".sketch-nothing canvas").screenshot(
    {path: path.join(shots, "draw_from_nothing.png")});
  const sheepScripts = scripts.slice();

  // Another model: finish the arc with it, clear (the prompt follows it), draw from nothing.
  const listed = await page.evaluate(() => SKETCH_MODEL_LIST.map((entry) => entry.key));
  let other = null;
  if (listed.includes(OTHER)) {
    await page.click(".sketch-pad .sketch-clear");
    await drawArc();
    await page.waitForFunction(() => document.querySelector(".sketch-pad").dataset.completions
                               === "3", null, {timeout: 120000});
    let start = Date.now();
    await page.selectOption(".sketch-pad .sketch-model", OTHER);
    await page.waitForFunction((key) => document.querySelector(".sketch-pad").dataset.model
                               === key, OTHER, {timeout: 120000});
    const loadedMs = Date.now() - start;
    await page.waitForFunction(() => document.querySelector(".sketch-pad").dataset.completions
                               === "3", null, {timeout: 120000});
    const drawnMs = Date.now() - start;
    const pixels = await page.evaluate(colouredPixels, ".sketch-results canvas");
    const [status, otherInked, credit] = await page.evaluate(() => [
      document.querySelector(".sketch-pad .sketch-status").textContent,
      document.querySelector(".sketch-pad").dataset.inked.split(",").map(Number),
      document.querySelector(".sketch-pad .sketch-credit").textContent]);
    await page.locator(".sketch-pad").screenshot({path: path.join(shots, "draw_pad_bird.png")});
    await page.click(".sketch-pad .sketch-clear");
    const prompt = await page.evaluate(
      () => document.querySelector(".sketch-pad .sketch-status").textContent);

    const drawnBefore = await page.evaluate(
      () => Number(document.querySelector(".sketch-nothing").dataset.drawn));
    start = Date.now();
    await page.selectOption(".sketch-nothing .sketch-model", OTHER);
    await page.waitForFunction((n) => Number(document.querySelector(".sketch-nothing")
                               .dataset.drawn) > n, drawnBefore, {timeout: 120000});
    const nothingMs = Date.now() - start;
    const nothing = await page.evaluate(colouredPixels, ".sketch-nothing canvas");
    await page.locator(".sketch-nothing").screenshot(
      {path: path.join(shots, "draw_from_nothing_bird.png")});
    await page.screenshot({path: path.join(shots, "draw_page_bird.png"), fullPage: true});
    other = {pixels, inked: otherInked, status, credit, prompt, nothing, loadedMs, drawnMs,
             nothingMs};
  } else {
    console.log(`${OTHER} is not in this build (its build found no magenta/bird.gen.json): ` +
                "the sheep decoder alone is checked");
  }
  await browser.close();

  const result = {fromNothing, continuations, ...pad, zigzag, zigzagStatus, inked, listed,
                  other, scripts, errors, elsewhere};
  console.log(JSON.stringify(result, null, 1));
  const problems = [];
  if (fromNothing[0] < 50) problems.push("'draw from nothing' drew (almost) nothing");
  if (!(pad.rows > 0) || continuations.length !== 3 || Math.min(...continuations) < 20) {
    problems.push("not every continuation was drawn");
  }
  // A continuation may draw nothing (the pen stays up, and the status says so); one that
  // draws at least 10 rows must show in its box.
  if (zigzag.length !== 3 || zigzag.some((pixels, k) => inked[k] >= 10 && pixels < 20)) {
    problems.push("a continuation of the zig-zag that drew lines left its box blank");
  }
  if (sheepScripts.join() !== "models.js,sheep_decoder.js") {
    problems.push(`the sheep's page asked for these models' scripts: ${sheepScripts}`);
  }
  if (otherExpected && !other) problems.push(`${OTHER} is missing from the menus`);
  if (other) {
    // A continuation may draw nothing (the pen stays up); one at least must be drawn, and
    // none that draws 10 rows or more may leave its box blank.
    if (other.pixels.length !== 3 || Math.max(...other.pixels) < 20 ||
        other.pixels.some((pixels, k) => other.inked[k] >= 10 && pixels < 20)) {
      problems.push(`${OTHER} did not finish the drawing`);
    }
    if (other.nothing[0] < 50) problems.push(`${OTHER} drew (almost) nothing from nothing`);
    if (other.prompt !== "Draw the start of a bird.") problems.push(`prompt: ${other.prompt}`);
    if (!other.credit.includes("Apache-2.0")) problems.push(`credit: ${other.credit}`);
    if (scripts.join() !== "models.js,sheep_decoder.js,magenta_bird.js") {
      problems.push(`the models' scripts asked for: ${scripts} (each once, when picked)`);
    }
  }
  if (errors.length) problems.push(`console errors: ${errors.join(" | ")}`);
  if (elsewhere.length) {
    problems.push(`requests outside the book's folder: ${elsewhere.join(" ")}`);
  }
  finish("drawing page test", problems);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
