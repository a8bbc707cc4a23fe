import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { answerAndContinue, next } from './helpers';

// Two instances of the server share one database (see playwright.config.ts): a respondent
// completes the survey through the first, while staff watch a dashboard served by the
// second; it updates without a reload.
const instanceB = `http://127.0.0.1:${process.env.CANVASS_E2E_PORT_B ?? '3101'}`;

test.describe.configure({ timeout: 90_000 });

test('a response completed through one instance shows on a dashboard served by another, without a reload', async ({ page, browser }, testInfo) => {
  const viewer = { email: `viewer-${testInfo.project.name}-${Date.now()}@e2e.test`, password: 'viewer password for e2e' };
  execFileSync('../target/release/canvass', ['create-admin', '--email', viewer.email, '--name', '监测员'], {
    input: `${viewer.password}\n`,
    env: { ...process.env, CANVASS_LOG: 'warn' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });

  // Staff watch the dashboard on instance B.
  await page.goto(`${instanceB}/staff/sign-in`);
  await page.getByLabel('电子邮箱').fill(viewer.email);
  await page.getByLabel('密码').fill(viewer.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.goto(`${instanceB}/monitor/ai-collab`);
  await expect(page.getByRole('status')).toHaveText('实时：数据随答卷到达自动更新。');
  const completed = page.getByRole('row', { name: /^已完成/ }).getByRole('cell');
  const before = Number(await completed.textContent());
  let reloaded = false;
  page.on('load', () => (reloaded = true));

  // A respondent completes the survey through instance A (the default base URL), without
  // JavaScript, in English.
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

  // The dashboard on B shows it, within a few seconds and without a reload.
  await expect(completed).toHaveText(String(before + 1), { timeout: 5_000 });
  expect(reloaded).toBe(false);

  // Over time: today (in the survey's zone, China Standard Time) is the last day listed,
  // with at least this completion.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const todayRow = page.getByRole('table', { name: '按日' }).getByRole('row', { name: new RegExp(`^${today}`) });
  await expect(todayRow.getByRole('cell').nth(1)).toHaveText(/^[1-9]\d*$/);
  await expect(page.getByRole('table', { name: '今日（按小时）' }).getByRole('row', { name: /^00/ })).toBeVisible();
});
