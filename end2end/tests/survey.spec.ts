import { test as base, expect, type Page } from '@playwright/test';

// Each page's console errors and uncaught errors, printed when its test fails.
const test = base.extend({
  page: async ({ page }, use, testInfo) => {
    const seen: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') seen.push(`console: ${page.url()} ${m.text().slice(0, 300)}`);
    });
    page.on('pageerror', (e) => seen.push(`pageerror: ${page.url()} ${e.message.slice(0, 300)}`));
    page.on('response', (r) => {
      if (r.request().resourceType() === 'document')
        seen.push(`document: ${r.status()} ${r.url()} csp=${(r.headers()['content-security-policy'] ?? '').slice(20, 60)}`);
    });
    await use(page);
    if (testInfo.status !== testInfo.expectedStatus) console.log(seen.join('\n'));
  },
});
import AxeBuilder from '@axe-core/playwright';
import { answerAndContinue, next } from './helpers';

// The respondent's path through the national survey (`/s/ai-collab`), at phone and desktop
// size, with WASM and without JavaScript.

// Walking a whole survey takes a while on 2 cores shared by two browsers, the server and
// PostgreSQL.
test.describe.configure({ timeout: 90_000 });

async function waitForHydration(page: Page) {
  await expect(page.locator('.page[data-hydrated="true"]')).toHaveCount(1, { timeout: 30_000 });
}

async function consent(page: Page, agree: string, start: string) {
  await page.goto('/s/ai-collab');
  await page.getByRole('radio', { name: agree, exact: true }).check();
  await next(page, start);
}

test('a clinician completes the survey in Chinese with WASM', async ({ page }) => {
  await page.goto('/s/ai-collab');
  await waitForHydration(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('知情同意');
  await page.getByRole('radio', { name: '同意', exact: true }).check();
  await next(page, '开始答题');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('身份确认');
  await page.getByRole('radio', { name: /^临床医生/ }).check();
  await next(page, '保存并继续');
  for (let guard = 0; guard < 15 && !page.url().endsWith('/review'); guard++) {
    await waitForHydration(page);
    if (page.url().endsWith('/priorities')) {
      // Ranking by tapping: tap three, take the first out again, the others move up.
      const ranking = page.getByRole('group', { name: /未来医学影像AI研发最应优先关注哪些方向/ });
      const [a, b, c] = [0, 1, 2].map((k) => ranking.getByRole('button').nth(k));
      await a.click();
      await b.click();
      await c.click();
      await expect(c).toHaveAttribute('aria-pressed', 'true');
      await expect(c).toContainText('3');
      await a.click();
      await expect(a).toHaveAttribute('aria-pressed', 'false');
      await expect(c).toContainText('2');
      await a.click();
      await expect(a).toContainText('3');
    }
    await answerAndContinue(page, '保存并继续');
  }
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('检查您的回答');
  await expect(page.getByText('临床医生（放射科医生，或在影像科工作的其他医生）')).toBeVisible();
  // A lost connection on the final submit keeps the page and offers a retry.
  await waitForHydration(page);
  await page.route('**/r/*/review', (route) =>
    route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue(),
  );
  await page.getByRole('button', { name: '提交问卷' }).click();
  await expect(page.getByRole('alert')).toContainText('网络连接中断');
  await page.unroute('**/r/*/review');
  await page.getByRole('button', { name: '重试' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('感谢您的参与！');
});

test.describe('without JavaScript, in English', () => {
  test.use({ javaScriptEnabled: false, locale: 'en-GB' });

  test('a clinician completes the survey by form posts', async ({ page }) => {
    await consent(page, 'I agree', 'Start');
    await page.getByRole('radio', { name: /^Clinician/ }).check();
    await next(page, 'Save and continue');
    for (let guard = 0; guard < 15 && !page.url().endsWith('/review'); guard++) {
      await answerAndContinue(page, 'Save and continue');
    }
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your answers');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Thank you for taking part!');
  });

  test('a missing answer comes back with its error next to the field, and what was typed kept', async ({ page }) => {
    await consent(page, 'I agree', 'Start');
    await page.getByRole('radio', { name: /^Clinician/ }).check();
    await next(page, 'Save and continue');
    await page.getByLabel('How many years have you worked in medical imaging?').fill('abc');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await expect(page.getByRole('alert')).toContainText('Some answers on this page need attention');
    await expect(page.getByText('Enter a number', { exact: true })).toBeVisible();
    await expect(page.getByLabel('How many years have you worked in medical imaging?')).toHaveValue('abc');
    await expect(page.getByText('Please answer this question').first()).toBeVisible();
  });
});

test('an institution respondent sees the institution questions and not the others', async ({ page }) => {
  await consent(page, '同意', '开始答题');
  await page.getByRole('radio', { name: /^机构人员/ }).check();
  await next(page, '保存并继续');
  await expect(page.getByText('第 3 部分，共 11 部分')).toBeVisible();
  await expect(page.getByRole('group', { name: /您的专业技术职称/ })).toBeHidden();
  await answerAndContinue(page, '保存并继续');
  await expect(page.getByRole('group', { name: /人工智能发展规划/ }).first()).toBeVisible();
  await expect(page.getByRole('group', { name: /您所在科室目前是否在使用AI/ })).toHaveCount(0);
});

test('an industry respondent sees the industry questions and skips the engagement section', async ({ page }) => {
  await consent(page, '同意', '开始答题');
  await page.getByRole('radio', { name: /^企业代表/ }).check();
  await next(page, '保存并继续');
  await expect(page.getByText('第 3 部分，共 10 部分')).toBeVisible();
  await answerAndContinue(page, '保存并继续');
  await answerAndContinue(page, '保存并继续');
  // After the AI section comes collaboration: the engagement section is not for industry.
  await expect(page).toHaveURL(/\/collaboration$/);
});

test('a respondent leaves mid-way and resumes from the link in a fresh browser', async ({ page, browser }) => {
  await consent(page, '同意', '开始答题');
  await page.getByRole('radio', { name: /^临床医生/ }).check();
  await next(page, '保存并继续');
  await answerAndContinue(page, '保存并继续');
  const link = await page.locator('.resume-note a').getAttribute('href');
  expect(link).toMatch(/^\/r\/[0-9a-f]{32}$/);

  const fresh = await browser.newContext({ locale: 'zh-CN' });
  const other = await fresh.newPage();
  await other.goto(new URL(link!, page.url()).toString());
  await expect(other).toHaveURL(/\/ai_use$/);
  await other.getByRole('link', { name: '上一页' }).click();
  await expect(other).toHaveURL(/\/profile$/);
  await expect(other.getByLabel('您从事医学影像相关工作多少年？')).toHaveValue('3');
  await fresh.close();
});

test('on a shared browser the next person says "not me" and starts afresh', async ({ page }) => {
  await consent(page, '同意', '开始答题');
  await expect(page).toHaveURL(/\/r\/[0-9a-f]{32}\/screening$/);
  await page.goto('/s/ai-collab');
  const offer = page.getByRole('status').filter({ hasText: '您有一份尚未完成的问卷' });
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: '不是我：开始新的答卷' }).click();
  await expect(page).toHaveURL(/\/s\/ai-collab$/);
  await expect(page.getByText('您有一份尚未完成的问卷')).toHaveCount(0);
  await expect(page.getByRole('button', { name: '开始答题' })).toBeVisible();
});

test('refusing consent ends politely', async ({ page }) => {
  await consent(page, '不同意', '开始答题');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('感谢您的关注');
  await expect(page.getByText('您选择不参加本调查，我们尊重您的决定。')).toBeVisible();
});

test('none of these roles is screened out politely', async ({ page }) => {
  await consent(page, '同意', '开始答题');
  await page.getByRole('radio', { name: '以上都不是' }).check();
  await next(page, '保存并继续');
  await expect(page.getByText('您不在本次调查的对象范围内')).toBeVisible();
});

test('with WASM, branching and errors follow the answers as they are given', async ({ page }) => {
  await consent(page, '同意', '开始答题');
  await page.getByRole('radio', { name: /^临床医生/ }).check();
  await next(page, '保存并继续');
  await waitForHydration(page);
  await answerAndContinue(page, '保存并继续');
  await waitForHydration(page);
  const applications = page.getByRole('group', { name: /科室在哪些方面使用了AI/ }).first();
  await page.getByRole('radio', { name: '否', exact: true }).first().check();
  await expect(applications).toBeHidden();
  await page.getByRole('radio', { name: '是', exact: true }).first().check();
  await expect(applications).toBeVisible();
  // Nothing was posted: an error shows as soon as the page is sent, without a round trip.
  await page.getByRole('button', { name: '保存并继续' }).click();
  await expect(page.getByRole('alert')).toContainText('本页有回答需要修改');
  await expect(page).toHaveURL(/\/ai_use$/);
});

test('with WASM, answers typed but not sent survive a language switch', async ({ page }) => {
  await page.goto('/s/ai-collab');
  await waitForHydration(page);
  await page.getByRole('radio', { name: '同意', exact: true }).check();
  await next(page, '开始答题');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('身份确认');
  await waitForHydration(page);
  await page.getByRole('radio', { name: /^临床医生/ }).check();
  // Not sent: the switch loads the page again, in English, and the draft kept in the tab
  // puts the answer back.
  await page.getByRole('navigation', { name: '语言' }).getByRole('link', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('About your role');
  await waitForHydration(page);
  await expect(page.getByRole('radio', { name: /^Clinician/ })).toBeChecked();
  await next(page, 'Save and continue');
  // Saved: the draft is gone, and coming back shows what is stored.
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('About your role');
  await waitForHydration(page);
  await expect(page.getByRole('radio', { name: /^Clinician/ })).toBeChecked();
});

test('with WASM, a lost connection keeps the answers and offers a retry', async ({ page }) => {
  await consent(page, '同意', '开始答题');
  await waitForHydration(page);
  await page.getByRole('radio', { name: /^临床医生/ }).check();
  await page.route('**/r/*/screening', (route) =>
    route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue(),
  );
  await page.getByRole('button', { name: '保存并继续' }).click();
  await expect(page.getByRole('alert')).toContainText('网络连接中断');
  await expect(page.getByRole('radio', { name: /^临床医生/ })).toBeChecked();
  await page.unroute('**/r/*/screening');
  await page.getByRole('button', { name: '重试' }).click();
  await expect(page).toHaveURL(/\/profile$/);
});

test('the welcome page and a page with errors have no accessibility violations', async ({ page }) => {
  await page.goto('/s/ai-collab');
  await waitForHydration(page);
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await page.getByRole('radio', { name: '同意', exact: true }).check();
  await next(page, '开始答题');
  await page.getByRole('radio', { name: /^临床医生/ }).check();
  await next(page, '保存并继续');
  await waitForHydration(page);
  await page.getByRole('button', { name: '保存并继续' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
});

test('no page of the path scrolls sideways at 360 px', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await consent(page, '同意', '开始答题');
  await page.getByRole('radio', { name: /^临床医生/ }).check();
  await next(page, '保存并继续');
  for (let guard = 0; guard < 15 && !page.url().endsWith('/review'); guard++) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, page.url()).toBeLessThanOrEqual(0);
    await answerAndContinue(page, '保存并继续');
  }
});
