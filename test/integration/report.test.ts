import { describeIfAvailable } from '../lib/needs';
/**
 * Renders a backtest report built from a seeded synthetic scenario in a real headless Chromium and
 * checks it as a reader would meet it: no console errors, no network requests, the charts and
 * legends present, and a screenshot that is not blank. Skips (with a note) if Chromium is absent.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { leadSteps, simulateCluster, type ClusterParams } from '../../src/simulate/cluster';
import { hpaClusterParams, hpaPolicy } from '../../src/simulate/hpa';
import { oracleInitialReplicas, oraclePolicy } from '../../src/simulate/oracle';
import { sweepUtilization } from '../../src/simulate/sweep';
import { modeSegments, renderReport, type ReportInput } from '../../src/report/html';
import { gaussian, mulberry32 } from '../../src/util/rng';

const CHROMIUM = '/usr/bin/chromium';
const STEP = 60;
const DAY = 1440;

/**
 * 10 days at 60 s (14,400 steps: more than the ~1,000 px of a chart, so downsampling is used):
 * a daily cycle 40..200 req/s with a lunchtime bump, 4% noise, a 20-minute 2.5x burst on day 6,
 * and a 45-minute gap of missing samples on day 4.
 */
function scenario(seed: number): Float64Array {
  const rand = mulberry32(seed);
  const n = 10 * DAY;
  const load = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = ((i % DAY) / DAY) * 24;
    const daily = 120 - 80 * Math.cos((2 * Math.PI * (h - 3)) / 24) + 30 * Math.exp(-((h - 12.5) ** 2) / 2);
    const burst = i >= 6 * DAY + 600 && i < 6 * DAY + 620 ? 2.5 : 1;
    load[i] = Math.max(0, daily * burst * (1 + 0.04 * gaussian(rand)));
  }
  load.fill(Number.NaN, 4 * DAY + 300, 4 * DAY + 345);
  return load;
}

/**
 * A stand-in for the planner (the real one lives in src/planner): seasonal-naive forecast with a
 * +15% upper band, planned one cold start ahead; falls back to reactive scaling for an hour after
 * the forecast misses by more than 50%, as the guard would.
 */
function fakePrescale(load: Float64Array, lead: number, capacity: number) {
  const n = load.length;
  const p50 = new Float64Array(n).fill(Number.NaN);
  const upper = new Float64Array(n).fill(Number.NaN);
  for (let i = DAY; i < n; i++) {
    const v = load[i - DAY] as number;
    if (Number.isFinite(v)) {
      p50[i] = v;
      upper[i] = v * 1.15;
    }
  }
  const modes: string[] = [];
  const reasons: string[] = [];
  let reactiveUntil = -1;
  for (let i = 0; i < n; i++) {
    const l = load[i] as number;
    const f = p50[i] as number;
    if (i < DAY) {
      modes.push('warmup');
      reasons.push('insufficient_history');
      continue;
    }
    if (Number.isFinite(l) && Number.isFinite(f) && Math.abs(l - f) > 0.5 * f) reactiveUntil = i + 60;
    if (!Number.isFinite(l)) reactiveUntil = Math.max(reactiveUntil, i + 1);
    if (i < reactiveUntil) {
      modes.push('reactive');
      reasons.push(Number.isFinite(l) ? 'forecast_error_high' : 'missing_data');
    } else {
      modes.push('predictive');
      reasons.push('');
    }
  }
  const run = (u: number): Int32Array => {
    const req = new Int32Array(n);
    let lastLoad = 0;
    for (let i = 0; i < n; i++) {
      const l = load[i] as number;
      if (Number.isFinite(l)) lastLoad = l;
      const reactive = Math.ceil(lastLoad / (capacity * u));
      let want = reactive;
      if (modes[i] === 'predictive') {
        let m = 0;
        for (let j = i + 1; j <= Math.min(n - 1, i + lead); j++) m = Math.max(m, (upper[j] as number) || 0);
        want = Math.max(Math.ceil(m / (capacity * u)), reactive);
      }
      req[i] = Math.max(1, want);
    }
    return req;
  };
  return { p50, upper, modes, reasons, run };
}

function buildReport(): ReportInput {
  const load = scenario(42);
  const capacity = 10;
  const coldStart = 600;
  const lead = leadSteps(coldStart, STEP);
  const params: ClusterParams = { step: STEP, coldStart, capacity, firstScored: DAY };
  const slo = 0.005;
  const pre = fakePrescale(load, lead, capacity);
  const preSweep = sweepUtilization((u) => ({ requested: pre.run(u) }), load, params, { slo });
  const hpaP = { step: STEP, coldStart, capacity };
  const hpaSweep = sweepUtilization((u) => hpaPolicy(load, { ...hpaP, targetUtilization: u }), load, params, { slo });
  const uPre = preSweep.chosen?.utilization ?? 0.7;
  const uHpa = hpaSweep.chosen?.utilization ?? 0.7;
  const preSim = simulateCluster(load, pre.run(uPre), params);
  const hpaRun = hpaPolicy(load, { ...hpaP, targetUtilization: uHpa });
  const hpaSim = simulateCluster(load, hpaRun.requested, hpaClusterParams({ ...hpaP, targetUtilization: uHpa }, hpaRun, DAY));
  const oracleReq = oraclePolicy(load, hpaP);
  const oracleSim = simulateCluster(load, oracleReq, { ...params, initialReplicas: oracleInitialReplicas(load, hpaP) });
  return {
    traceName: 'synthetic-daily-seed42',
    start: Date.UTC(2026, 10, 2) / 1000,
    step: STEP,
    load,
    loadUnit: 'req/s',
    capacity,
    coldStart,
    firstScored: DAY,
    slo,
    forecast: { p50: pre.p50, upper: pre.upper, upperLabel: 'p90' },
    policies: [
      { id: 'prescale', label: 'prescale', ready: preSim.ready, overloaded: preSim.overloaded, scores: preSim.scores, targetUtilization: uPre, role: 'policy' },
      { id: 'hpa', label: 'HPA', ready: hpaSim.ready, overloaded: hpaSim.overloaded, scores: hpaSim.scores, targetUtilization: uHpa, role: 'baseline' },
      { id: 'oracle', label: 'oracle', ready: oracleSim.ready, overloaded: oracleSim.overloaded, scores: oracleSim.scores, targetUtilization: 1, role: 'oracle' },
    ],
    modes: modeSegments(pre.modes, pre.reasons),
    sweeps: [
      { policyId: 'prescale', result: preSweep },
      { policyId: 'hpa', result: hpaSweep },
    ],
    notes: ['prescale backtest synthetic.csv --cold-start 10m --capacity 10 (test scenario; planner stand-in)'],
    generatedAt: '2026-11-25 00:00 UTC',
  };
}

/**
 * Runs in the page (the test's tsconfig has no DOM types, hence a string): decodes a PNG with
 * Chromium's own decoder on a canvas and returns the share of pixels that are not near-white
 * (any channel below 235 of 255).
 */
const INK_SHARE = `async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height).data;
  let ink = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235) ink++;
  return ink / (px.length / 4);
}`;

describe('HTML report downsampling (no browser needed)', () => {
  it('keeps a one-sample spike in 40,000 steps at full height, in a small page', () => {
    const n = 40_000;
    const load = new Float64Array(n).fill(10);
    load[23_456] = 100;
    const flags = new Uint8Array(n);
    flags[23_456] = 1;
    const ready = new Int32Array(n).fill(2);
    const scores = simulateCluster(load, ready, { step: STEP, coldStart: 600, capacity: 10, firstScored: DAY }).scores;
    const html = renderReport({
      traceName: 'flat-with-spike',
      start: 0,
      step: STEP,
      load,
      capacity: 10,
      coldStart: 600,
      firstScored: DAY,
      policies: [{ id: 'hpa', label: 'HPA', ready, overloaded: flags, scores, role: 'baseline' }],
    });
    expect(html.length).toBeLessThan(400_000);
    const d = /<path class="series-load" d="([^"]+)"/.exec(html)?.[1] ?? '';
    const ys = [...d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    // Axis 0..100 (ticks by 20), plot top at y = 8: the spike's point must reach it.
    expect(Math.min(...ys)).toBeLessThanOrEqual(8.05);
    expect(ys.length).toBeLessThanOrEqual(2 * 944);
    // And the one overloaded step gets its red mark.
    expect(html).toMatch(/id="chart-capacity-overview-strip-hpa"[^]*?class="overload-mark"/);
  });
});

describeIfAvailable('HTML report in headless Chromium', existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found`, () => {
  jest.setTimeout(90_000);
  let browser: Browser;
  let outDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'prescale-report-'));
    // chromium.launch() gives every run a new, empty user-data-dir of its own (Playwright refuses
    // --user-data-dir in args; launchPersistentContext is the API for a fixed one).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the charts, legends and table with no errors and no network, and is not blank', async () => {
    const input = buildReport();
    const html = renderReport(input);
    const file = join(outDir, 'report.html');
    writeFileSync(file, html);
    // A 14,400-step trace must not become a 14,400-point path: the page stays small.
    expect(html.length).toBeLessThan(1_500_000);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);

    expect(errors).toEqual([]);
    // Self-contained: the only request is the page itself.
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);

    for (const id of ['chart-load-overview', 'chart-capacity-overview', 'chart-load-detail', 'chart-capacity-detail', 'chart-sweep']) {
      const box = await page.locator(`svg#${id}`).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(400);
    }
    const count = (sel: string): Promise<number> => page.locator(sel).count();
    expect(await count('#chart-load-overview path.series-load')).toBe(1);
    expect(await count('#chart-load-overview path.series-forecast-p50')).toBe(1);
    expect(await count('#chart-load-overview path.series-forecast-band')).toBe(1);
    expect(await count('#chart-capacity-overview path.series-ready')).toBe(3);
    expect(await count('#chart-capacity-detail path.series-ready-prescale')).toBe(1);
    // The burst on day 6 overloads the HPA (it reacts one cold start late): red marks exist.
    expect(await count('#chart-capacity-overview-strip-hpa rect.overload-mark')).toBeGreaterThan(0);
    // Mode timeline: warm-up, predictive and the reactive fallback after the burst and the gap.
    const modeTitles = await page.locator('#chart-load-overview-strip-modes rect.mode-seg title').allTextContents();
    expect(modeTitles.some((t) => t.startsWith('reactive: forecast_error_high'))).toBe(true);
    expect(modeTitles.some((t) => t.startsWith('reactive: missing_data'))).toBe(true);
    // The load path is downsampled to min/max per pixel: at most ~2 points per pixel of 944.
    const d = (await page.locator('#chart-load-overview path.series-load').getAttribute('d')) ?? '';
    const points = (d.match(/[ML]/g) ?? []).length;
    expect(points).toBeGreaterThan(900);
    expect(points).toBeLessThan(2 * 944 + 50);

    const text = await page.locator('body').innerText();
    for (const s of ['load (req/s)', 'forecast p50', 'p50..p90 band', 'prescale ready capacity', 'HPA ready capacity', 'oracle ready capacity', 'overloaded (load > ready capacity)', 'predictive', 'reactive']) {
      expect(text).toContain(s);
    }
    expect(await count('#scores tbody tr')).toBe(3);
    expect(text).toMatch(/Detail: 2026-11-08 \(UTC\): the day with the most overloaded time/);

    const png = await page.screenshot({ fullPage: true, path: join(outDir, 'report.png') });
    await page.screenshot({ path: join(outDir, 'report-top.png') });
    // Decode the PNG with Chromium itself and measure how much of it is not (near-)white.
    const share = (await page.evaluate(`(${INK_SHARE})(${JSON.stringify(png.toString('base64'))})`)) as number;
    // A blank page is ~0; this report is a few percent ink (lines, bands, text) on white.
    expect(share).toBeGreaterThan(0.02);
    console.log(`report.test: wrote ${file} and ${join(outDir, 'report.png')} (ink ${(share * 100).toFixed(1)}%)`);
    await page.close();
  });
});
