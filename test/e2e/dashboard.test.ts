/**
 * The web view (`rmd dashboard`) in a real headless browser (Debian's chromium, driven by
 * puppeteer-core) on the six-host cluster: it loads, shows the table, ring and hosts, and shows a
 * fail-over (source ¶0023) and the loss of the ReplicaManager's host (¶0026) without a reload. A
 * screenshot is kept in test-artifacts/ (or $RM_ARTIFACTS_DIR).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { killGroup, ROOT, type Spawned, spawnRmd, tempDir, waitFor } from '../helpers/processes.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = process.env.RM_ARTIFACTS_DIR ?? join(ROOT, 'test-artifacts');

describe('the web view in a headless browser (six hosts, real processes)', () => {
  let tc: TestCluster;
  let dashboard: Spawned | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let url = '';
  const profile = tempDir('rm-chromium-');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    tc = await startCluster();
    dashboard = spawnRmd(['dashboard', '--config', tc.cluster.cfgFile, '--listen', '127.0.0.1:0']);
    url = await waitFor(
      'the dashboard to serve',
      () => /dashboard at (http:\S+)/.exec(dashboard?.output() ?? '')?.[1],
    );
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile.dir,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (dashboard) {
      killGroup(dashboard.pid, 'SIGTERM');
      await Promise.race([dashboard.exited, new Promise((r) => setTimeout(r, 3000))]);
      killGroup(dashboard.pid);
    }
    await tc?.stop();
    profile.remove();
  }, 60_000);

  const status = (replica: string) =>
    page.$eval(`tr[data-replica="${replica}"]`, (el) => el.getAttribute('data-status')).catch(() => null);

  it('loads and shows the ring, the hosts and the FIG. 2 table', async () => {
    const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
    expect(res?.status()).toBe(200);
    await page.waitForSelector('tr[data-replica="A1"][data-status="P"]', { timeout: 15_000 });
    expect(await page.$$eval('#replicas tbody tr', (rows) => rows.length)).toBe(9);
    expect(
      await page.$$eval('[data-member]', (els) => els.map((e) => e.getAttribute('data-member'))),
    ).toEqual(['H2', 'H5', 'H6']);
    expect(await page.$$eval('tr[data-host]', (rows) => rows.length)).toBe(6);
    const header = await page.$eval('header', (el) => el.textContent ?? '');
    const t = await tc.cluster.table();
    expect(header).toContain(`ReplicaManager on ${t.managerHost}`);
    expect(header).toContain(`epoch ${t.epoch}`);
    expect(await page.$eval('#conn', (el) => el.textContent)).toBe('live');
    const timeline = await page.$eval('#timeline', (el) => el.textContent ?? '');
    expect(timeline).toContain('A registered');
    expect(timeline).toContain(`ReplicaManager on ${t.managerHost} took over`);
  }, 60_000);

  it('shows a fail-over within seconds, without a reload', async () => {
    await page.evaluate('window.sameDocument = true');
    tc.cluster.killCopy('A1');
    await page.waitForSelector('tr[data-replica="A2"][data-status="P"]', { timeout: 10_000 });
    expect(await status('A1')).toBe('I');
    await page.waitForFunction(
      `[...document.querySelectorAll('#timeline li')]
         .some((li) => li.textContent.includes('A1 failed') && li.textContent.includes('fail-over'))`,
      { timeout: 10_000 },
    );
    const entry = await page.$$eval(
      '#timeline li',
      (lis) => lis.find((x) => x.textContent?.includes('A1 failed'))?.textContent ?? '',
    );
    expect(entry).toMatch(/A1 failed \(signal\).*set-role A2 on H2 to P.*fail-over [\d.]+ ms/s);
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  }, 30_000);

  it("follows a host crash (¶0024) and the ReplicaManager's host going down (¶0026): new epoch, hosts down, the short module marked", async () => {
    tc.cluster.crashHost('H1');
    await page.waitForSelector('tr[data-host="H1"].row-down', { timeout: 15_000 });
    await page.waitForSelector('tr[data-replica="B3"][data-status="P"]', { timeout: 15_000 });
    const before = await tc.cluster.table();
    tc.cluster.crashHost('H2');
    await page.waitForFunction(
      `Number(document.getElementById('epoch')?.textContent) > ${before.epoch} &&
       document.querySelector('tr[data-host="H2"].row-down') !== null`,
      { timeout: 30_000 },
    );
    await page.waitForSelector('tr[data-replica="A3"][data-status="P"]', { timeout: 15_000 });
    expect(await page.$eval('header', (el) => el.textContent ?? '')).toContain('ReplicaManager on H5');
    expect(await page.$eval('tr[data-replica="A1"]', (el) => el.className)).toContain('short');
    expect(await page.$eval('[data-member="H2"]', (el) => el.className)).toContain('dead');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await new Promise((r) => setTimeout(r, 1500)); // let the flashes of the last change fade
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'dashboard.png'))).toBe(true);
  }, 90_000);
});
