import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { answerAndContinue, canvass } from './helpers';

// The first admin is made the way an operator makes one: `canvass create-admin`, the
// password on standard input. The server under test has migrated the database already.
function createAdmin(email: string, password: string) {
  canvass(['create-admin', '--email', email, '--name', '测试管理员'], `${password}\n`);
}

async function expectNoAxeViolations(page: import('@playwright/test').Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

test('an admin creates an analyst, who signs in and cannot open the user list', async ({ page }, testInfo) => {
  const run = `${testInfo.project.name}-${Date.now()}`;
  const admin = { email: `admin-${run}@e2e.test`, password: 'admin password for e2e' };
  const analyst = { email: `analyst-${run}@e2e.test`, password: 'analyst password for e2e' };
  createAdmin(admin.email, admin.password);

  // The admin signs in (the interface is in Chinese: the browser asks for zh-CN).
  await page.goto('/staff');
  await expect(page).toHaveURL(/\/staff\/sign-in$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作人员登录');
  await expectNoAxeViolations(page);
  await page.getByLabel('电子邮箱').fill(admin.email);
  await page.getByLabel('密码').fill(admin.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作人员区');
  await expect(page.getByText('已登录：测试管理员（管理员）')).toBeVisible();

  // …opens the user list and adds an analyst.
  await page.getByRole('navigation', { name: '工作人员页面' }).getByRole('link', { name: '用户' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('用户');
  const create = page.getByRole('region', { name: '添加用户' });
  await create.getByLabel('姓名').fill('王分析');
  await create.getByLabel('电子邮箱').fill(analyst.email);
  await create.getByLabel('角色', { exact: true }).selectOption({ label: '分析员' });
  await create.getByLabel('初始密码').fill('short');
  await create.getByRole('button', { name: '添加用户' }).click();
  // A bad input is named next to its field; what was typed (not the password) stays.
  await expect(page.getByRole('alert')).toContainText('密码至少需要 12 个字符。');
  await expect(create.getByLabel('电子邮箱')).toHaveValue(analyst.email);
  await expectNoAxeViolations(page);
  await create.getByLabel('初始密码').fill(analyst.password);
  await create.getByRole('button', { name: '添加用户' }).click();
  await expect(page.getByRole('status')).toHaveText('用户已添加。');
  await expect(page.getByRole('listitem').filter({ hasText: analyst.email })).toContainText('有效');
  await expectNoAxeViolations(page);

  // The admin signs out; the analyst signs in.
  await page.getByRole('button', { name: '退出登录' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作人员登录');
  await page.getByLabel('电子邮箱').fill(analyst.email);
  await page.getByLabel('密码').fill(analyst.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByText('已登录：王分析（分析员）')).toBeVisible();
  // No link to the user list, and opening it by address is refused.
  await expect(page.getByRole('link', { name: '用户' })).toHaveCount(0);
  const refused = await page.goto('/staff/users');
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('无权访问');
  await expect(page.getByText(analyst.email)).toHaveCount(0);
});

test('a wrong password gets one generic message and keeps the e-mail', async ({ page }) => {
  await page.goto('/staff/sign-in');
  await page.getByLabel('电子邮箱').fill('nobody@e2e.test');
  await page.getByLabel('密码').fill('not a password at all');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert')).toContainText('电子邮箱或密码不正确。');
  await expect(page.getByLabel('电子邮箱')).toHaveValue('nobody@e2e.test');
  await expect(page.getByLabel('密码')).toHaveValue('');
});

test('an admin makes a distribution link; a respondent comes through it and the dashboard counts them', async ({ page, browser }, testInfo) => {
  const run = `${testInfo.project.name}-${Date.now()}`;
  const admin = { email: `links-${run}@e2e.test`, password: 'admin password for e2e' };
  createAdmin(admin.email, admin.password);
  await page.goto('/staff/sign-in');
  await page.getByLabel('电子邮箱').fill(admin.email);
  await page.getByLabel('密码').fill(admin.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('navigation', { name: '工作人员页面' }).getByRole('link', { name: '链接与配额' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('分发链接与配额');

  const name = `海报 ${run}`;
  const create = page.getByRole('region', { name: '新建链接' });
  await create.getByLabel('名称').fill(name);
  await create.getByLabel('渠道').fill('poster');
  await create.getByLabel('目标人数（可选）').fill('50');
  await create.getByRole('button', { name: '新建链接' }).click();
  await expect(page.getByRole('status')).toHaveText('已完成。');
  const item = page.getByRole('listitem').filter({ hasText: name });
  await expect(item).toContainText('已打开 0 次；目标 50 名合格受访者');
  await expectNoAxeViolations(page);
  const address = await item.getByRole('link', { name: /\/l\/[0-9a-z]{10}$/ }).textContent();
  expect(address).toBeTruthy();

  // A respondent opens the link in a browser of their own and consents.
  const respondent = await browser.newContext({ locale: 'zh-CN' });
  const phone = await respondent.newPage();
  await phone.goto(address!);
  await expect(phone).toHaveURL(/\/s\/ai-collab$/);
  await phone.getByRole('radio', { name: '同意', exact: true }).check();
  await phone.getByRole('button', { name: '开始答题' }).click();
  await expect(phone).toHaveURL(/\/screening$/);
  await respondent.close();

  // The link's figures, on the links page and on the dashboard.
  await page.reload();
  await expect(page.getByRole('listitem').filter({ hasText: name })).toContainText('已打开 1 次');
  await page.getByRole('navigation', { name: '工作人员页面' }).getByRole('link', { name: '答卷监测' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('答卷监测');
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row.getByRole('cell')).toHaveText(['1', '1', '0', '0.0% (0 / 50)']);
  await expectNoAxeViolations(page);
});

test('an admin makes an API token, shown once, that reads the stats until revoked', async ({ page, request }, testInfo) => {
  const run = `${testInfo.project.name}-${Date.now()}`;
  const admin = { email: `tokens-${run}@e2e.test`, password: 'admin password for e2e' };
  createAdmin(admin.email, admin.password);
  await page.goto('/staff/sign-in');
  await page.getByLabel('电子邮箱').fill(admin.email);
  await page.getByLabel('密码').fill(admin.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('navigation', { name: '工作人员页面' }).getByRole('link', { name: 'API 令牌' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API 令牌');

  const name = `周报 ${run}`;
  const create = page.getByRole('region', { name: '创建令牌' });
  await create.getByLabel('用途').fill(name);
  await create.getByLabel('问卷').selectOption('ai-collab');
  await expect(create.getByRole('checkbox', { name: '回收统计（/stats）' })).toBeChecked();
  await create.getByLabel('有效期').selectOption({ label: '30 天' });
  await create.getByRole('button', { name: '创建令牌' }).click();
  await expect(page.getByRole('heading', { name: `已创建令牌“${name}”` })).toBeVisible();
  const token = await page.getByLabel('令牌', { exact: true }).inputValue();
  expect(token).toMatch(/^cnv_[0-9a-f]{64}$/);
  await expectNoAxeViolations(page);

  const stats = await request.get('/api/v1/surveys/ai-collab/stats', { headers: { authorization: `Bearer ${token}` } });
  expect(stats.status()).toBe(200);
  expect((await stats.json()).survey).toBe('ai-collab');

  // The list shows its first characters, never the whole token again.
  await page.goto('/staff/tokens');
  const item = page.getByRole('listitem').filter({ hasText: name });
  await expect(item).toContainText(token.slice(0, 12));
  await expect(item).toContainText('ai-collab · 回收统计');
  await expect(item).toContainText('有效至');
  await expect(page.getByText(token)).toHaveCount(0);
  await item.getByRole('button', { name: `撤销令牌 ${name}` }).click();
  await expect(page.getByRole('status')).toHaveText('令牌已撤销。');

  const refused = await request.get('/api/v1/surveys/ai-collab/stats', { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
});

test('a link that fixes role and province skips the screening page and shows the province as given', async ({ page, browser }, testInfo) => {
  const run = `${testInfo.project.name}-${Date.now()}`;
  const admin = { email: `fixed-${run}@e2e.test`, password: 'admin password for e2e' };
  createAdmin(admin.email, admin.password);
  await page.goto('/staff/sign-in');
  await page.getByLabel('电子邮箱').fill(admin.email);
  await page.getByLabel('密码').fill(admin.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.goto('/staff/surveys/ai-collab/links');
  const name = `广东临床 ${run}`;
  const create = page.getByRole('region', { name: '新建链接' });
  await create.getByLabel('名称').fill(name);
  await create.getByLabel('渠道').fill('wechat');
  await create.getByLabel('固定角色').selectOption('clinician');
  await create.getByLabel('固定省份').selectOption('guangdong');
  await create.getByRole('button', { name: '新建链接' }).click();
  const address = await page.getByRole('listitem').filter({ hasText: name }).getByRole('link', { name: /\/l\/[0-9a-z]{10}$/ }).textContent();

  // The respondent (WASM on) consents and lands on the profile, the province given.
  const respondent = await browser.newContext({ locale: 'zh-CN' });
  const phone = await respondent.newPage();
  await phone.goto(address!);
  await phone.getByRole('radio', { name: '同意', exact: true }).check();
  await phone.getByRole('button', { name: '开始答题' }).click();
  await expect(phone).toHaveURL(/\/profile$/);
  await expect(phone.getByText('（由您的邀请链接确定）')).toBeVisible();
  await expect(phone.getByRole('combobox', { name: /省/ })).toHaveCount(0);
  // The rest of the page answered, it saves: the fixed province passes the same checks.
  await answerAndContinue(phone, '保存并继续');
  await expect(phone).not.toHaveURL(/\/profile$/);
  await respondent.close();
});
