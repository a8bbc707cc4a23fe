import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { canvass, signedInAdmin } from './helpers';

// The dataset export: staff start one from the export page, watch its progress, and
// download the zip when it is done.
test.describe.configure({ timeout: 120_000 });

test('staff start an export, see its progress and download the zip', async ({ page }, testInfo) => {
  canvass(['seed-demo', '--responses', '30', '--seed', String(Date.now() % 100000)]);
  await signedInAdmin(page, '', `export-${testInfo.project.name}`, '导出员');
  await page.getByRole('link', { name: '数据导出' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('数据导出');

  await page.getByLabel('取值').selectOption({ label: '中文标签' });
  await page.getByLabel('日期').selectOption('week');
  await page.getByRole('button', { name: '开始导出' }).click();
  await expect(page).toHaveURL(/\/staff\/surveys\/ai-collab\/exports$/);

  // The newest export is listed first, with its progress bar.
  const newest = page.getByRole('listitem').filter({ hasText: 'values=zh' }).first();
  await expect(newest.getByRole('progressbar', { name: /^导出 \d+ 的进度/ })).toBeVisible();
  await expect(newest).toContainText('dates=week');

  // When it is done, the page shows the download (the progress island reloads it).
  const download = newest.getByRole('link', { name: /^下载 zip/ });
  await expect(download).toBeVisible({ timeout: 30_000 });
  await expect(newest).toContainText('已完成');
  await expect(newest.getByRole('progressbar')).toHaveAttribute('value', /^\d+$/);
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toMatch(/^ai-collab-export-\d+\.zip$/);
  const zip = readFileSync((await file.path())!);
  expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
  for (const name of ['data.csv', 'data.xlsx', 'data.sps', 'data.R', 'codebook.html', 'codebook.xml', 'risk.html', 'risk.json', 'README.txt']) {
    expect(zip.includes(Buffer.from(name)), name).toBe(true);
  }
  // The anonymization's summary and its report, before any download.
  await expect(newest).toContainText('达到 k = 5');
  await expect(newest.getByRole('link', { name: '查看风险报告' })).toBeVisible();
});

test('a preview shows the risk report of another k and offers no file', async ({ page }, testInfo) => {
  canvass(['seed-demo', '--responses', '30', '--seed', String((Date.now() + 7) % 100000)]);
  await signedInAdmin(page, '', `preview-${testInfo.project.name}`, '预览员');
  await page.getByRole('link', { name: '数据导出' }).click();
  await page.getByLabel(/^k：/).fill('3');
  await page.getByLabel(/^为达到 k 可删除的行/).fill('10');
  await page.getByRole('button', { name: '预览匿名化（不生成文件）' }).click();
  await expect(page).toHaveURL(/\/staff\/surveys\/ai-collab\/exports$/);

  const newest = page.getByRole('listitem').filter({ hasText: 'preview=true' }).first();
  await expect(newest).toContainText('k=3');
  const report = newest.getByRole('link', { name: '查看风险报告' });
  await expect(report).toBeVisible({ timeout: 30_000 });
  await expect(newest).toContainText('预览：仅风险报告');
  await expect(newest).toContainText('达到 k = 3');
  await expect(newest.getByRole('link', { name: /^下载 zip/ })).toHaveCount(0);
  await report.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('再识别风险报告 Re-identification risk report');
});
