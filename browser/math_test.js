// Open a built page with equations in headless Chromium, from disk and offline, and check that
// MathJax (served by the book itself, _static/mathjax) typeset every one of them: no TeX left
// as text, no MathJax error, nothing asked of another site, no console error. Writes a
// screenshot of the first display equation.
//   node math_test.js ../_build/html/chapters/notation.html SCREENSHOT_FOLDER
const fs = require("fs");
const path = require("path");
const {launch, finish} = require("./chromium");

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
  await page.waitForFunction(() => window.MathJax && MathJax.startup &&
                             MathJax.startup.promise, null, {timeout: 30000});
  await page.evaluate(() => MathJax.startup.promise);
  const result = await page.evaluate(() => ({
    typeset: document.querySelectorAll("mjx-container").length,
    displays: document.querySelectorAll("mjx-container[display='true']").length,
    mathErrors: document.querySelectorAll("mjx-merror").length,
    // Inline and display maths that MathJax left as text (Sphinx writes \( \) and \[ \]).
    rawTex: (document.querySelector("main") || document.body).innerText
      .split("\n").filter((line) => /\\\(|\\\[/.test(line)).length,
    fontsLoaded: [...document.fonts].filter((font) => /MJX/.test(font.family) &&
                                              font.status === "loaded").length,
  }));
  const display = page.locator("mjx-container[display='true']").first();
  if (await display.count()) {
    await display.scrollIntoViewIfNeeded();
    await display.screenshot({path: path.join(shots, "math_display.png")});
  }
  await browser.close();

  Object.assign(result, {errors, elsewhere});
  console.log(JSON.stringify(result, null, 1));
  const problems = [];
  if (result.typeset < 10 || result.displays < 1) problems.push("few or no equations typeset");
  if (result.mathErrors) problems.push(`${result.mathErrors} MathJax errors`);
  if (result.rawTex) problems.push(`${result.rawTex} lines of TeX left as text`);
  if (!result.fontsLoaded) problems.push("MathJax's fonts did not load");
  if (errors.length) problems.push(`console errors: ${errors.join(" | ")}`);
  if (elsewhere.length) problems.push(`requests to other sites: ${elsewhere.join(" ")}`);
  finish("equations test", problems);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
