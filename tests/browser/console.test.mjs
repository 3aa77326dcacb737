// Opens the operations console in headless Chromium (Debian's `chromium`)
// and checks what a person sees: the executions list and its filters, a
// finished and a waiting journey (status, the path taken on the state
// graph, the current state, the open task token), the outbox, the records,
// and stop then redrive from the page's own buttons.
//
// Driven by `cargo test -p campaigns-tests --test console_browser`, which
// starts the product, runs the journeys and passes:
//   CONSOLE_BASE_URL  http://127.0.0.1:PORT
//   ADMIN_TOKEN       the admin token the product was started with
//   FINISHED_ARN      an execution that ended SUCCEEDED (it sent EMAIL_TO a receipt)
//   WAITING_ARN       an execution waiting for its payment
//   EMAIL_TO          the recipient of the finished journey's email
//   SCREENSHOT_DIR    optional: where to save a screenshot of each page
import assert from 'node:assert/strict';
import { env, inChromium } from './harness.mjs';

const base = env('CONSOLE_BASE_URL');
const token = env('ADMIN_TOKEN');
const finishedArn = env('FINISHED_ARN');
const waitingArn = env('WAITING_ARN');
const emailTo = env('EMAIL_TO');
const nameOf = (arn) => arn.split(':').pop();
const executionUrl = (arn) => `${base}/console/execution?arn=${encodeURIComponent(arn)}`;

const fillOf = (page, selector) =>
  page.locator(selector).evaluate((el) => getComputedStyle(el).fill);

await inChromium('all console checks passed', async (context, check, shot) => {
  const page = context.pages()[0] ?? (await context.newPage());

  await check('the console asks for the admin token and refuses a wrong one', async () => {
    await page.goto(`${base}/console/executions`);
    assert.match(page.url(), /\/console\/login/);
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('button[type=submit]');
    assert.match(await page.locator('[role=alert]').innerText(), /not the admin token/);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/console/executions');
  });

  await check('the executions list shows both journeys with their status', async () => {
    const finished = page.locator(`tr[data-execution="${nameOf(finishedArn)}"]`);
    const waiting = page.locator(`tr[data-execution="${nameOf(waitingArn)}"]`);
    await finished.waitFor();
    assert.match(await finished.innerText(), /SUCCEEDED/);
    assert.match(await waiting.innerText(), /RUNNING/);
    assert.match(await waiting.innerText(), /WaitForPayment/, 'the list names the current state');
    await shot(page, 'executions');
  });

  await check('filtering by status keeps only the waiting journey', async () => {
    await page.selectOption('select[name=status]', 'RUNNING');
    await page.selectOption('select[name=stateMachine]', 'discount-purchase');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/status=RUNNING/);
    assert.equal(await page.locator(`tr[data-execution="${nameOf(waitingArn)}"]`).count(), 1);
    assert.equal(await page.locator(`tr[data-execution="${nameOf(finishedArn)}"]`).count(), 0);
  });

  await check('the finished journey: succeeded, its whole path highlighted, its output', async () => {
    await page.goto(executionUrl(finishedArn));
    assert.equal(await page.locator('#status').innerText(), 'SUCCEEDED');
    assert.ok(await page.locator('h1 .badge.status-SUCCEEDED').isVisible());
    for (const state of ['WaitForPayment', 'WasPaid', 'ConfirmPurchase', 'SendReceipt', 'Paid']) {
      const node = page.locator(`#graph g.state[data-state="${state}"]`);
      assert.ok(await node.isVisible(), `${state} is drawn`);
      assert.match(await node.getAttribute('class'), /\bvisited\b/, `${state} is on the path`);
    }
    assert.equal(await fillOf(page, '#graph g[data-state="Paid"] rect.node'), 'rgb(227, 248, 229)');
    assert.equal(
      await page.locator('#graph g[data-state="ReleasePurchase"]').getAttribute('class'),
      'state',
      'a state not taken is not highlighted',
    );
    assert.equal(await page.locator('#graph .current').count(), 0, 'nothing is current');
    assert.equal(await page.locator('#graph path.edge.taken[data-from="SendReceipt"][data-to="Paid"]').count(), 1);
    assert.match(await page.locator('#path').innerText(), /WaitForPayment → WasPaid → ConfirmPurchase/);
    assert.ok(await page.locator('#output').isVisible());
    assert.ok(await page.locator('#no-waits').isVisible());
    assert.equal(await page.locator('#history tr[data-type="ExecutionSucceeded"]').count(), 1);
    assert.ok((await page.locator('#history tr[data-type="TaskSubmitted"]').count()) >= 1);
    assert.ok(await page.getByRole('button', { name: 'Redrive execution' }).count() === 0);
    await shot(page, 'finished');
  });

  await check('the waiting journey: running, its current state marked, its open task token', async () => {
    await page.goto(executionUrl(waitingArn));
    assert.equal(await page.locator('#status').innerText(), 'RUNNING');
    assert.equal(await page.locator('#current-state').innerText(), 'WaitForPayment');
    const current = page.locator('#graph g.state.current');
    assert.equal(await current.count(), 1);
    assert.equal(await current.getAttribute('data-state'), 'WaitForPayment');
    assert.ok(await current.isVisible());
    assert.equal(await fillOf(page, '#graph g.current rect.node'), 'rgb(255, 243, 196)');
    assert.match(await current.textContent(), /WaitForPayment[\s\S]*current/, 'labelled current');
    assert.match(
      await page.locator('#graph g[data-state="IsFree"]').getAttribute('class'),
      /\bvisited\b/,
    );
    assert.equal(await page.locator('#graph g[data-state="Paid"]').getAttribute('class'), 'state');
    const wait = page.locator('#waits tr.wait');
    assert.equal(await wait.count(), 1, 'one open task token');
    assert.equal(await wait.locator('.wait-state').innerText(), 'WaitForPayment');
    assert.match(await wait.locator('code.token').innerText(), /^[0-9a-f]{64}$/);
    assert.match(await wait.innerText(), /await-payment/);
    assert.match(await wait.innerText(), /\t40 min \(at /, 'its timeout (40 min, the hold of a purchase)');
    assert.ok(await page.getByRole('button', { name: 'Stop execution' }).isVisible());
    await shot(page, 'waiting');
  });

  await check('the outbox lists the receipt and shows its HTML', async () => {
    await page.goto(`${base}/console/emails`);
    const row = page.locator('#emails tr.email', { hasText: emailTo });
    assert.equal(await row.count(), 1);
    await row.locator('a').click();
    assert.equal(await page.locator('#email-to').innerText(), emailTo);
    const frame = page.frameLocator('iframe.email');
    const text = await frame.locator('body').innerText();
    assert.ok(text.trim().length > 20, 'the email HTML is rendered');
    await shot(page, 'email');
  });

  await check('the records of the campaign list both purchases, linked to their journeys', async () => {
    await page.goto(`${base}/console/records?campaign=discount-purchase`);
    const table = page.locator('table[data-table="prodenthub-discount-purchases"]');
    for (const arn of [finishedArn, waitingArn]) {
      const row = table.locator('tbody tr', { hasText: nameOf(arn) });
      assert.equal(await row.count(), 1, `${nameOf(arn)} is listed`);
    }
    assert.match(
      await table.locator('tbody tr', { hasText: nameOf(finishedArn) }).innerText(),
      /SUCCEEDED[\s\S]*paid/,
    );
    await shot(page, 'records');
  });

  await check('stop, then redrive, from the execution page', async () => {
    await page.goto(executionUrl(waitingArn));
    await page.getByRole('button', { name: 'Stop execution' }).click();
    await page.waitForURL(/done=/);
    assert.equal(await page.locator('#status').innerText(), 'ABORTED');
    assert.match(await page.locator('[role=status]').innerText(), /Stopped/);
    assert.match(await page.locator('#error').innerText(), /Console\.Stopped/);
    assert.equal(
      await page.locator('#graph g[data-state="WaitForPayment"]').getAttribute('class'),
      'state visited failed',
    );
    await page.getByRole('button', { name: 'Redrive execution' }).click();
    await page.waitForURL(/Redriven/);
    assert.equal(await page.locator('#status').innerText(), 'RUNNING');
    await page.reload();
    await page.locator('#waits tr.wait').waitFor();
    assert.equal(await page.locator('#waits .wait-state').innerText(), 'WaitForPayment');
    await shot(page, 'redriven');
  });
});
