// The results of a mock exam on the reference client: the results email's
// button (read on the console) opens /app/mock-exam/results on this server,
// which shows the candidate's own score and rank beside the exam's
// statistics.
//
// Driven by `cargo test -p campaigns-tests --test app_browser` after the
// exam has ended, its results were marked and its results run emailed them:
//   APP_BASE_URL  http://127.0.0.1:PORT
//   ADMIN_TOKEN   the admin token (to read the outbox on the console)
//   RESULTS_TO    a candidate emailed their results
//   SCORE         that candidate's score
//   CANDIDATES    how many candidates have results
import assert from 'node:assert/strict';
import { env, inChromium, outbox } from './harness.mjs';

const base = env('APP_BASE_URL');

await inChromium('all results checks passed', async (context, check, shot) => {
  const { open } = await outbox(context, base, env('ADMIN_TOKEN'));

  await check("the results email's button opens the results page with the exam's statistics", async () => {
    const { page, href } = await open(env('RESULTS_TO'), 'mock_exam_results', 'See my full report');
    assert.ok(href.startsWith(`${base}/app/mock-exam/results?`), href);
    await page.locator('#statistics dd').first().waitFor();
    const result = await page.locator('#result').innerText();
    assert.match(result, new RegExp(`Score\\s+${env('SCORE')}%`));
    assert.match(result, /Percentile rank\s+\d/);
    assert.match(await page.locator('#statistics').innerText(), new RegExp(`Candidates\\s+${env('CANDIDATES')}`));
    assert.equal(await page.locator('#problem').isHidden(), true);
    await shot(page, 'results');
  });
});
