// What the browser tests share: Debian's Chromium started headless with the flags this
// machine's closed network needs, and the count of coloured pixels on canvases.
const {chromium} = require("playwright-core");

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// Runs in the page: the pixels drawn in colour (not grey or black) on each canvas that
// matches `selector`.
function colouredPixels(selector) {
  return Array.from(document.querySelectorAll(selector), (canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = data.slice(i, i + 4);
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count += 1;
    }
    return count;
  });
}

// Report the problems found (exit 1) or that the test passed.
function finish(name, problems) {
  if (problems.length) {
    console.error(`${name} failed: ${problems.join("; ")}`);
    process.exit(1);
  }
  console.log(`${name} passed`);
}

module.exports = {launch, colouredPixels, finish};
