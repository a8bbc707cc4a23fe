// Steps shared by the end-to-end tests: answering a survey page as a respondent would,
// completing the survey, running the `canvass` command, signing staff in.
import { expect, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';

/** Runs the `canvass` command under test (as an operator would), `input` on standard input. */
export function canvass(args: string[], input = '') {
  execFileSync(process.env.CANVASS_BIN ?? '../target/release/canvass', args, {
    input,
    env: { ...process.env, CANVASS_LOG: 'warn' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** Makes an admin with `canvass create-admin` and signs them in on `base` (in Chinese). */
export async function signedInAdmin(page: Page, base: string, who: string, name: string) {
  const email = `${who}-${Date.now()}@e2e.test`;
  const password = `${who} password for e2e`;
  canvass(['create-admin', '--email', email, '--name', name], `${password}\n`);
  await signIn(page, base, email, password);
  return { email, password };
}

/** Signs a staff member in on `base` through the sign-in form (in Chinese). */
export async function signIn(page: Page, base: string, email: string, password: string) {
  await page.goto(`${base}/staff/sign-in`);
  await page.getByLabel('电子邮箱').fill(email);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/staff$/);
}

/** A clinician completes the national survey through the default base URL, without
 * JavaScript, in English, in a browser context of their own. */
export async function completeAsClinician(browser: Browser) {
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
}

/** Answers every question shown on the page with a valid answer: the first option of
 * each choice, the first option of each matrix row, distinct ranks, numbers, an e-mail.
 * With WASM, answering can reveal questions (branching on the same page): it goes over
 * the page again until nothing new appears. */
export async function answerThePage(page: Page) {
  const form = page.locator('form.survey-form');
  const done = new Set<string>();
  for (let pass = 0; pass < 5; pass++) {
    const before = done.size;
    for (const role of ['radio', 'checkbox'] as const) {
      for (const input of await form.getByRole(role).all()) {
        const name = (await input.getAttribute('name')) ?? '';
        if (done.has(name) || !(await input.isVisible())) continue;
        done.add(name);
        await input.check();
      }
    }
    for (const select of await form.getByRole('combobox').all()) {
      const name = (await select.getAttribute('name')) ?? '';
      if (done.has(name) || !(await select.isVisible())) continue;
      done.add(name);
      const rank = /\.(\d+)$/.exec(name);
      await select.selectOption({ index: rank ? Number(rank[1]) : 1 });
    }
    // With WASM, ranking is by tapping (the selects are then hidden): tap the first three.
    for (const list of await form.locator('.tap-rank').all()) {
      if (!(await list.isVisible()) || (await list.getByRole('button', { pressed: true }).count()) > 0) continue;
      const buttons = list.getByRole('button');
      for (let k = 0; k < 3; k++) await buttons.nth(k).click();
      done.add(`tap-${done.size}`);
    }
    for (const box of await form.getByRole('textbox').all()) {
      const name = (await box.getAttribute('name')) ?? '';
      if (done.has(name) || name.endsWith('.other') || !(await box.isVisible())) continue;
      done.add(name);
      const type = await box.getAttribute('type');
      const inputmode = await box.getAttribute('inputmode');
      if (type === 'email') await box.fill('wang@hospital.cn');
      else if (inputmode) await box.fill('3');
    }
    if (done.size === before) break;
  }
}

/** Answers the page and goes on. Without JavaScript, questions that depend on answers on
 * the same page appear only once it is sent (marked "please answer"): answer them and send
 * again, as a respondent would, once per level of dependency. */
export async function answerAndContinue(page: Page, label: string) {
  const heading = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
  const moved = page.getByRole('heading', { level: 1 }).filter({ hasNotText: heading });
  const stayed = page.getByRole('alert');
  for (let round = 0; round < 4; round++) {
    await answerThePage(page);
    await page.getByRole('button', { name: label }).click();
    await expect(moved.or(stayed).first()).toBeVisible();
    if (await moved.isVisible()) return;
  }
  throw new Error(`still on "${heading}" after four rounds`);
}

/** Sends the page and waits for the next one (a new address and a new heading: with WASM
 * the address changes before the next page's data has arrived). */
export async function next(page: Page, label: string) {
  const before = page.url();
  const heading = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
  await page.getByRole('button', { name: label }).click();
  await expect(page).not.toHaveURL(before);
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText(heading);
}

