import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { canvass, completeAsClinician, signIn, signedInAdmin } from './helpers';

// The analysis page: the study's findings for staff, on a phone in Chinese with and
// without JavaScript, filtered, read as tables, and live across two instances.
const instanceB = `http://127.0.0.1:${process.env.CANVASS_E2E_PORT_B ?? '3101'}`;

test.describe.configure({ timeout: 120_000 });

test('staff read the findings as charts with tables, filter them, and no axe rule fails', async ({ page, browser }, testInfo) => {
  // Demo respondents, so that there is something to read.
  canvass(['seed-demo', '--responses', '120', '--seed', String(Date.now() % 100000)]);
  const staff = await signedInAdmin(page, '', `analyst-${testInfo.project.name}`, '分析员');
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

  // Partial responses counted too: the page says so.
  await page.goto('/analysis/ai-collab');
  await page.getByLabel('统计的答卷').selectOption({ label: '已完成和部分完成' });
  await page.getByRole('button', { name: '显示' }).click();
  await expect(page).toHaveURL(/responses=completed_and_partial/);
  await expect(page.getByText(/^已完成或部分完成（进行中、已保存作答，5 分钟无新保存后计入）的答卷 \d+ 份/)).toBeVisible();

  // Without JavaScript the same page works: the figures are the server's HTML.
  const plain = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
  const noJs = await plain.newPage();
  await signIn(noJs, '', staff.email, staff.password);
  await noJs.goto('/analysis/ai-collab?split=role');
  await expect(noJs.getByRole('status')).toHaveText('刷新页面以更新数据。');
  await expect(noJs.getByRole('region', { name: '研发重点（3-2-1计分）' }).getByRole('table')).toBeVisible();
  await plain.close();
});

test('a response completed through one instance shows on the findings served by another, without a reload', async ({ page, browser }, testInfo) => {
  await signedInAdmin(page, instanceB, `live-${testInfo.project.name}`, '分析员');
  await page.goto(`${instanceB}/analysis/ai-collab`);
  await expect(page.getByRole('status')).toHaveText('实时：数据随答卷到达自动更新。');
  const summary = page.getByText(/^已完成答卷 \d+ 份/);
  const count = async () => Number((await summary.textContent())?.match(/\d+/)?.[0] ?? 'NaN');
  const before = await count();
  let reloaded = false;
  page.on('load', () => (reloaded = true));

  await completeAsClinician(browser);

  await expect(summary).toHaveText(new RegExp(`^已完成答卷 ${before + 1} 份`), { timeout: 5_000 });
  expect(reloaded).toBe(false);
});
