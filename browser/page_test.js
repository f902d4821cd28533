// Open the built book's drawing page in headless Chromium, from disk, and use it as a reader:
// wait for the model, check that "draw from nothing" drew, draw one stroke with synthetic
// pointer events, and check that three continuations were drawn in colour, one per box (also
// of a zig-zag across the whole pad, whose continuations leave it), that the console shows no
// error and that the page asked no other site for anything. Writes screenshots.
//   node page_test.js ../_build/html/chapters/draw_in_your_browser.html SCREENSHOT_FOLDER
const fs = require("fs");
const path = require("path");
const {launch, colouredPixels, finish} = require("./chromium");

const [pagePath, shots = "screenshots"] = process.argv.slice(2);


(async () => {
  fs.mkdirSync(shots, {recursive: true});
  const browser = await launch();
  const page = await browser.newPage({viewport: {width: 1200, height: 1000}});
  const errors = [];
  const elsewhere = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("request", (request) => {
    if (!/^(file|data|blob):/.test(request.url())) elsewhere.push(request.url());
  });
  await page.goto("file://" + path.resolve(pagePath));
  await page.waitForFunction(() => document.body.dataset.sketchReady === "yes", null,
                             {timeout: 60000});
  await page.waitForFunction(() => document.querySelector(".sketch-nothing").dataset.drawn,
                             null, {timeout: 60000});
  const fromNothing = await page.evaluate(colouredPixels, ".sketch-nothing canvas");

  const canvas = page.locator(".sketch-pad > canvas");
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const at = (u, v) => [box.x + u * box.width, box.y + v * box.height];
  await page.mouse.move(...at(0.3, 0.55));
  await page.mouse.down();
  for (let i = 1; i <= 40; i++) { // the arc of a sheep's back, left to right
    const t = i / 40;
    await page.mouse.move(...at(0.3 + 0.4 * t, 0.55 - 0.2 * Math.sin(Math.PI * t)));
  }
  await page.mouse.up();
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
  await browser.close();

  const result = {fromNothing, continuations, ...pad, zigzag, zigzagStatus, inked, errors,
                  elsewhere};
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
  if (errors.length) problems.push(`console errors: ${errors.join(" | ")}`);
  if (elsewhere.length) problems.push(`requests to other sites: ${elsewhere.join(" ")}`);
  finish("drawing page test", problems);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
