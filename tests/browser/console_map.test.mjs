// Opens the state graph of a team journey whose Map iterations diverged
// in headless Chromium (Debian's `chromium`) and checks that every state
// inside the Map is coloured from what the iterations did there: the leader
// paid on time (its path green), the other member was reminded and waits
// for the deadline (current), and no iteration was reconciled or went
// unpaid (those states plain, though the Map around them was entered).
//
// Driven by `cargo test -p campaigns-tests --test console_map_browser`,
// which starts the product, runs the journey that far and passes:
//   CONSOLE_BASE_URL  http://127.0.0.1:PORT
//   ADMIN_TOKEN       the admin token the product was started with
//   TEAM_ARN          the team journey's execution
//   SCREENSHOT_DIR    optional: where to save a screenshot of the page
import assert from 'node:assert/strict';
import { env, inChromium } from './harness.mjs';

const base = env('CONSOLE_BASE_URL');
const token = env('ADMIN_TOKEN');
const teamArn = env('TEAM_ARN');

// What the console's stylesheet paints a state's own box with.
const WHITE = 'rgb(255, 255, 255)';
const GREEN = 'rgb(227, 248, 229)';
const AMBER = 'rgb(255, 243, 196)';
const GREEN_STROKE = 'rgb(63, 145, 66)';

await inChromium('all Map checks passed', async (context, check, shot) => {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  const state = (name) => page.locator(`#graph g.state[data-state="${name}"]`);
  // A state's own box (a Map's box is a container holding its branches).
  const box = (name) => page.locator(`#graph g.state[data-state="${name}"] > rect`);
  const style = (name, property) =>
    box(name).evaluate((el, property) => getComputedStyle(el)[property], property);

  await check('sign in and open the team journey', async () => {
    await page.goto(`${base}/console/login`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.goto(`${base}/console/execution?arn=${encodeURIComponent(teamArn)}`);
    assert.equal(await page.locator('#status').innerText(), 'RUNNING');
    await shot(page, 'map');
  });

  await check('the Map was entered: its container is drawn entered', async () => {
    assert.equal(await state('CollectShares').getAttribute('class'), 'state visited');
    assert.equal(await style('CollectShares', 'stroke'), GREEN_STROKE);
  });

  await check('the leader paid on time: that path is green, and not current', async () => {
    for (const name of ['IsLeader', 'SendTeamCreated', 'WaitBeforeReminder', 'WasAuthorized', 'AuthorizeShare']) {
      assert.match(await state(name).getAttribute('class'), /^state visited\b/, `${name} is entered`);
    }
    assert.equal(await state('AuthorizeShare').getAttribute('class'), 'state visited');
    assert.equal(await style('AuthorizeShare', 'fill'), GREEN);
  });

  await check('the member was reminded and now waits for the deadline', async () => {
    assert.equal(await state('SendReminder').getAttribute('class'), 'state visited');
    assert.equal(await style('SendReminder', 'fill'), GREEN);
    assert.equal(await state('WaitUntilDeadline').getAttribute('class'), 'state visited current');
    assert.equal(await style('WaitUntilDeadline', 'fill'), AMBER);
    assert.match(await state('WaitUntilDeadline').textContent(), /current/);
    assert.equal(await page.locator('#graph g.state.current').count(), 1, 'one state is current');
    assert.match(await page.locator('#current-state').innerText(), /CollectShares › WaitUntilDeadline/);
    assert.equal(await page.locator('#waits .wait-state').innerText(), 'WaitUntilDeadline');
  });

  await check('states no iteration entered stay plain inside the entered Map', async () => {
    for (const name of [
      'ReopenShare',
      'ReconcileShare',
      'UseReconciledOutcome',
      'AuthorizedAtDeadline',
      'ShareNeedsReview',
      'ShareUnpaid',
    ]) {
      assert.equal(await state(name).getAttribute('class'), 'state', `${name} is not entered`);
      assert.equal(await style(name, 'fill'), WHITE, `${name} is drawn white`);
    }
    assert.equal(
      await page.locator('#graph path.edge.taken[data-from="WaitUntilDeadline"]').count(),
      0,
      'no transition out of the wait yet',
    );
    assert.equal(
      await page.locator('#graph path.edge.taken[data-from="WaitBeforeReminder"][data-to="SendReminder"]').count(),
      1,
    );
  });

  await check('after the Map, nothing is entered yet', async () => {
    for (const name of ['CheckShares', 'CaptureShares', 'ReleaseShares']) {
      assert.equal(await state(name).getAttribute('class'), 'state', `${name} is not entered`);
    }
  });

});
