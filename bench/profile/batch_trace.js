// Scores one file on the Batch page of a served build while Chrome records a trace of every
// process and thread (with V8's sampling profiler): the trace the summary reads
// (bench/profile/trace_summary.py). Driven by bench/scripts/batch_profile.sh.
//
//   node bench/profile/batch_trace.js BASE_URL FILE TRACE_OUT
const path = require('path');
const puppeteer = require(path.join(__dirname, '../lighthouse/node_modules/puppeteer-core'));

const [base, file, traceOut] = process.argv.slice(2);
const categories = [
  'toplevel', 'v8.execute', 'devtools.timeline', 'disabled-by-default-devtools.timeline',
  'disabled-by-default-v8.cpu_profiler', 'blink', 'IndexedDB',
];

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: 'new',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/batch`);
    await page.waitForSelector('[data-testid="model-status"][data-state="ready"]', { timeout: 60000 });
    await page.waitForSelector('[data-testid="page-batch"][data-scorer="ready"]', { timeout: 60000 });
    // As a person would: the page has been open a moment when the file is chosen.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await page.tracing.start({ path: traceOut, categories });
    const input = await page.$('[data-testid="batch-file"]');
    await input.uploadFile(file);
    const results = await page.waitForSelector('[data-testid="batch-results"]', { timeout: 600000 });
    await page.tracing.stop();
    const rows = await results.evaluate((element) => element.getAttribute('data-rows'));
    const ms = await results.evaluate((element) => element.getAttribute('data-run-ms'));
    console.log(`profile: ${rows} rows in ${ms} ms by the page's clock (traced: slower than untraced)`);
  } finally {
    await browser.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
