import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { type RunningServer, serve } from '../../core/server.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { createTestApp } from '../support/test-app.js';

describe('first-run page in a real browser', () => {
  let browser: Browser;
  let running: RunningServer;
  let base: string;

  before(async function () {
    if (!browserAvailable()) this.skip();
    const t = await createTestApp();
    running = await serve(t.app, t.ctx, 0);
    const address = running.server.address();
    assert.ok(address && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('shows field errors, then creates the superuser, styled by its own stylesheet', async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => {
      // Chrome also logs the form's deliberate 400 and the absent favicon; only refusals matter here.
      if (message.type() === 'error' && /Refused|Content Security Policy/.test(message.text())) {
        blocked.push(message.text());
      }
    });
    await page.goto(`${base}/api/v1/users/config/init/`);
    assert.equal(await page.title(), 'Set up Vexil');
    // A string, evaluated in the page: the project's type library has no DOM.
    const buttonColour = await page.evaluate(
      'getComputedStyle(document.querySelector("button")).backgroundColor',
    );
    assert.equal(buttonColour, 'rgb(79, 70, 229)', 'the stylesheet loaded under the Content-Security-Policy');

    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=email]', 'admin@example.com');
    // Shorter than the form's minlength would be stopped by the browser; all digits reaches the server.
    await page.fill('input[name=password]', '1234567890');
    await page.fill('input[name=site_name]', 'Acme Flags');
    await page.fill('input[name=site_domain]', 'flags.acme.test');
    await page.click('button[type=submit]');
    await page.waitForSelector('.errors');
    assert.match((await page.locator('.errors').textContent()) ?? '', /entirely numeric/);
    assert.equal(await page.inputValue('input[name=email]'), 'admin@example.com', 'typed values are kept');
    await page.screenshot({ path: path.join(tmpdir(), 'vexil-init-errors.png'), fullPage: true });

    await page.fill('input[name=password]', 'a much better password');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Vexil is ready');
    assert.match((await page.locator('main').textContent()) ?? '', /Superuser admin@example.com created/);
    await page.screenshot({ path: path.join(tmpdir(), 'vexil-init-page.png') });

    await page.goto(`${base}/api/v1/users/config/init/`);
    assert.match((await page.locator('main').textContent()) ?? '', /already initialised/);
    assert.deepEqual(blocked, [], 'nothing refused by the Content-Security-Policy');
  });
});
