import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const zhHeading = 'Canvass：医学学会自己的调查平台';
const enHeading = "Canvass: a medical society's own survey platform";

async function waitForHydration(page: Page) {
  // The layout sets data-hydrated from an effect, which only runs once WASM has hydrated.
  await expect(page.locator('.page[data-hydrated="true"]')).toHaveCount(1);
}

test('the home page is in Chinese by default', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(zhHeading);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh');
  await expect(page).toHaveTitle('医学学会的调查平台 · Canvass');
});

test.describe('a browser asking for French', () => {
  test.use({ locale: 'fr-FR' });
  test('falls back to Chinese', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(zhHeading);
  });
});

test.describe('a browser asking for English', () => {
  test.use({ locale: 'en-GB' });
  test('gets English', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(enHeading);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });
});

test('switching to English survives a reload, and switching back too', async ({ page }) => {
  await page.goto('/');
  await waitForHydration(page);
  await page.getByRole('navigation', { name: '语言' }).getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(enHeading);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('link', { name: 'English' })).toHaveAttribute('aria-current', 'true');

  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(enHeading);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  await waitForHydration(page);
  await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: '中文' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(zhHeading);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(zhHeading);
});

test('control: with WASM blocked the page stays inert and the switch still works by navigation', async ({ page }) => {
  await page.route('**/*.wasm', (route) => route.abort());
  await page.goto('/');
  await page.waitForLoadState('load');
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  // Not hydrated: the marker attribute never appears.
  await expect(page.locator('.page[data-hydrated="true"]')).toHaveCount(0);
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(enHeading);
  // It went through the server's /lang route: a new document.
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBeUndefined();
  await expect(page).toHaveURL(/\/$/);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the language switch works and is remembered', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(enHeading);
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(enHeading);
  });
});

test('an unknown address shows the 404 page in the chosen language', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('页面不存在');
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(enHeading);
});

for (const path of ['/', '/no/such/page']) {
  for (const lang of ['zh', 'en']) {
    test(`axe-core finds no violations on ${path} in ${lang}`, async ({ page, context, baseURL }) => {
      await context.addCookies([{ name: 'canvass_lang', value: lang, url: baseURL! }]);
      await page.goto(path);
      await waitForHydration(page);
      const results = await new AxeBuilder({ page }).analyze();
      expect(results.violations).toEqual([]);
    });
  }
}

test('the page is readable at 360 px without horizontal scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
