import { test, expect } from '@playwright/test';
import { completeAsClinician, signedInAdmin } from './helpers';

// Two instances of the server share one database (see playwright.config.ts): a respondent
// completes the survey through the first, while staff watch a dashboard served by the
// second; it updates without a reload.
const instanceB = `http://127.0.0.1:${process.env.CANVASS_E2E_PORT_B ?? '3101'}`;

test.describe.configure({ timeout: 90_000 });

test('a response completed through one instance shows on a dashboard served by another, without a reload', async ({ page, browser }, testInfo) => {
  // Staff watch the dashboard on instance B.
  await signedInAdmin(page, instanceB, `viewer-${testInfo.project.name}`, '监测员');
  await page.goto(`${instanceB}/monitor/ai-collab`);
  await expect(page.getByRole('status')).toHaveText('实时：数据随答卷到达自动更新。');
  const completed = page.getByRole('row', { name: /^已完成/ }).getByRole('cell');
  const before = Number(await completed.textContent());
  let reloaded = false;
  page.on('load', () => (reloaded = true));

  // A respondent completes the survey through instance A (the default base URL), without
  // JavaScript, in English.
  await completeAsClinician(browser);

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
