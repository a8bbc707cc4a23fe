import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { answerAndContinue, next } from './helpers';

// The analysis page: the study's findings for staff, on a phone in Chinese with and
// without JavaScript, filtered, read as tables, and live across two instances.
const instanceB = `http://127.0.0.1:${process.env.CANVASS_E2E_PORT_B ?? '3101'}`;

test.describe.configure({ timeout: 120_000 });

function canvass(args: string[], input = '') {
  execFileSync('../target/release/canvass', args, {
    input,
    env: { ...process.env, CANVASS_LOG: 'warn' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** A staff member made as an operator would, signed in on `base`. */
async function signedIn(page: import('@playwright/test').Page, base: string, who: string) {
  const email = `${who}-${Date.now()}@e2e.test`;
  const password = 'analysis password for e2e';
  canvass(['create-admin', '--email', email, '--name', '分析员'], `${password}\n`);
  await page.goto(`${base}/staff/sign-in`);
  await page.getByLabel('电子邮箱').fill(email);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/staff$/);
  return { email, password };
}

test('staff read the findings as charts with tables, filter them, and no axe rule fails', async ({ page, browser }, testInfo) => {
  // Demo respondents, so that there is something to read.
  canvass(['seed-demo', '--responses', '120', '--seed', String(Date.now() % 100000)]);
  const staff = await signedIn(page, '', `analyst-${testInfo.project.name}`);
  await page.goto('/analysis/ai-collab');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('调查结果');
  await expect(page.getByText(/^已完成答卷 \d+ 份/)).toBeVisible();
  await expect(page.getByText(/并非概率抽样样本/)).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('实时：数据随答卷到达自动更新。');

  // A chart's table: the department-adoption share, whole sample first.
  const adoption = page.getByRole('region', { name: '科室已使用AI产品' });
  const all = adoption.getByRole('row', { name: /^全部/ });
  await expect(all.getByRole('cell').first()).toHaveText(/^(\d+\.\d% \(\d+ \/ \d+\)|少于 5)$/);
  await expect(adoption.locator('figcaption')).toContainText('95% 置信区间');
  await expect(adoption.getByRole('link', { name: '下载这些数字（CSV）' })).toBeVisible();

  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  // Filter to clinicians, side by side by hospital grade.
  await page.getByLabel('以下哪一项最符合您目前的身份？').selectOption('clinician');
  await page.getByLabel('并列比较').selectOption('hospital_grade');
  await page.getByRole('button', { name: '显示' }).click();
  await expect(page).toHaveURL(/role=clinician/);
  await expect(page).toHaveURL(/split=hospital_grade/);
  await expect(page.getByLabel('以下哪一项最符合您目前的身份？')).toHaveValue('clinician');

  // Without JavaScript the same page works: the figures are the server's HTML.
  const plain = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
  const noJs = await plain.newPage();
  await noJs.goto('/staff/sign-in');
  await noJs.getByLabel('电子邮箱').fill(staff.email);
  await noJs.getByLabel('密码').fill(staff.password);
  await noJs.getByRole('button', { name: '登录' }).click();
  await noJs.goto('/analysis/ai-collab?split=role');
  await expect(noJs.getByRole('status')).toHaveText('刷新页面以更新数据。');
  await expect(noJs.getByRole('region', { name: '研发重点（3-2-1计分）' }).getByRole('table')).toBeVisible();
  await plain.close();
});

test('a response completed through one instance shows on the findings served by another, without a reload', async ({ page, browser }, testInfo) => {
  await signedIn(page, instanceB, `live-${testInfo.project.name}`);
  await page.goto(`${instanceB}/analysis/ai-collab`);
  await expect(page.getByRole('status')).toHaveText('实时：数据随答卷到达自动更新。');
  const summary = page.getByText(/^已完成答卷 \d+ 份/);
  const count = async () => Number((await summary.textContent())?.match(/\d+/)?.[0] ?? 'NaN');
  const before = await count();
  let reloaded = false;
  page.on('load', () => (reloaded = true));

  const respondent = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' });
  const phone = await respondent.newPage();
  await phone.goto('/s/ai-collab');
  await phone.getByRole('radio', { name: 'I agree', exact: true }).check();
  await next(phone, 'Start');
  await phone.getByRole('radio', { name: /^Clinician/ }).check();
  await next(phone, 'Save and continue');
  for (let guard = 0; guard < 15 && !phone.url().endsWith('/review'); guard++) {
    await answerAndContinue(phone, 'Save and continue');
  }
  await phone.getByRole('button', { name: 'Submit' }).click();
  await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Thank you for taking part!');
  await respondent.close();

  await expect(summary).toHaveText(new RegExp(`^已完成答卷 ${before + 1} 份`), { timeout: 5_000 });
  expect(reloaded).toBe(false);
});
