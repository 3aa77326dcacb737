// The reference client at /app in headless Chromium, clicked through as
// customers would: every journey from its start page to paid or active on
// the simulator's hosted checkout page, a team whose members pay from the
// invitation links in the outbox (read through the console), an email's
// button landing on this server's /app, and refusals shown beside their
// fields.
//
// Driven by `cargo test -p campaigns-tests --test app_browser`, which starts
// the product and passes:
//   APP_BASE_URL    http://127.0.0.1:PORT
//   ADMIN_TOKEN     the admin token (to read the outbox on the console)
//   COUPON_CODE     an active coupon taking 20% off the full plan
//   MOCK_EXAM_ID    an upcoming mock exam with free and premium seats
//   SCREENSHOT_DIR  optional: where to save a screenshot of each page
// It prints `journey <state machine> <record id>` for every record it
// settled, so the Rust test can check the journeys themselves.
import assert from 'node:assert/strict';
import { env, inChromium, outbox } from './harness.mjs';

const base = env('APP_BASE_URL');
const adminToken = env('ADMIN_TOKEN');
const coupon = env('COUPON_CODE');
const examId = env('MOCK_EXAM_ID');

const journey = (machine, id) => console.log(`journey ${machine} ${id}`);
const status = (page, value) => page.locator(`#status [data-status="${value}"]`).waitFor({ timeout: 20_000 });
const idFrom = (page, name) => new URL(page.url()).searchParams.get(name);

/** Fills inputs by their `data-field` pointer. */
async function fill(page, fields) {
  for (const [pointer, value] of Object.entries(fields)) {
    const input = page.locator(`[data-field="${pointer}"]`);
    if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
}

/** On the simulator's hosted page: checks the amount, pays, and lands on the success page. */
async function payOnCheckout(page, amount) {
  await page.waitForURL(/\/stripe\/checkout\/cs_/);
  assert.match(await page.locator('body').innerText(), new RegExp(`${amount.replace('.', '\\.')} AUD`));
  await page.getByRole('button', { name: 'Pay', exact: true }).click();
  await page.waitForURL(/\/app\/checkout\/success\?/);
}

await inChromium('all app checks passed', async (context, check, shot) => {
  const page = context.pages()[0] ?? (await context.newPage());

  let openEmail;
  await check('the console is signed in to read the outbox', async () => {
    ({ open: openEmail } = await outbox(context, base, adminToken));
  });

  await check('the start page links every journey, under a strict Content-Security-Policy', async () => {
    const answer = await page.goto(`${base}/app`);
    const policy = answer.headers()['content-security-policy'];
    assert.match(policy, /script-src 'self'/);
    assert.match(policy, /default-src 'none'/);
    assert.equal(answer.headers()['referrer-policy'], 'no-referrer');
    for (const start of ['/app/buy', '/app/team/new', '/app/scholarship/apply', '/app/plan/new', '/app/mock-exams']) {
      assert.equal(await page.locator(`a[href="${start}"]`).count(), 1, start);
    }
  });

  await check("a refused email is shown beside its field, and the form stays", async () => {
    await page.goto(`${base}/app/buy`);
    await fill(page, { '/email': 'lena@@example', '/firstName': 'Lena', '/lastName': 'Nguyen' });
    await page.getByRole('button', { name: 'Buy' }).click();
    const note = page.locator('[data-error-for="/email"]');
    await note.waitFor();
    assert.match(await note.innerText(), /email|pattern|match/i);
    assert.equal(await page.locator('[data-field="/email"]').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#buy [role=alert]').isHidden(), true);
    assert.equal(new URL(page.url()).pathname, '/app/buy');
    await shot(page, 'field-error');
  });

  await check('a coupon that does not exist is refused beside the coupon field', async () => {
    await fill(page, { '/email': 'lena@example.com', '/couponCode': 'NO-SUCH-CODE' });
    await page.getByRole('button', { name: 'Check the coupon' }).click();
    const note = page.locator('[data-error-for="/couponCode"]');
    await note.waitFor();
    assert.ok((await note.innerText()).length > 0);
    assert.equal(await page.locator('[data-error-for="/email"]').isHidden(), true, 'the old refusal is cleared');
  });

  await check('a purchase with a coupon: quoted, paid on the checkout page, followed until paid', async () => {
    await fill(page, { '/couponCode': ` ${coupon.toLowerCase()} ` });
    await page.getByRole('button', { name: 'Check the coupon' }).click();
    await page.locator('#quote dd', { hasText: '$159.20' }).waitFor();
    await page.getByRole('button', { name: 'Buy' }).click();
    await payOnCheckout(page, '159.20');
    await status(page, 'paid');
    await page.locator('#record-link').click();
    await page.waitForURL(/\/app\/purchase\?/);
    await status(page, 'paid');
    assert.match(await page.locator('#facts').innerText(), new RegExp(coupon));
    journey('discount-purchase', idFrom(page, 'purchaseId'));
    await shot(page, 'purchase');
  });

  await check("the receipt's button, clicked on the console, opens this server's purchase page", async () => {
    const { page: reader, href } = await openEmail('lena@example.com', 'purchase_confirmation', 'See my purchase');
    assert.ok(href.startsWith(`${base}/app/purchase?`), href);
    await status(reader, 'paid');
    await reader.close();
  });

  await check('a buyer who leaves the checkout lands on the cancel page; the purchase expires', async () => {
    await page.goto(`${base}/app/buy`);
    await fill(page, {
      '/email': 'mai@example.com',
      '/firstName': 'Mai',
      '/lastName': 'Tran',
      '/productId': 'basic-1month',
    });
    await page.getByRole('button', { name: 'Buy' }).click();
    await page.waitForURL(/\/stripe\/checkout\/cs_/);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.waitForURL(/\/app\/checkout\/cancel\?/);
    await page.locator('#record-link').click();
    await page.waitForURL(/\/app\/purchase\?/);
    await status(page, 'expired');
    assert.equal(await page.locator('#pay-link').isHidden(), true);
  });

  let teamPage;
  await check('a leader creates a team of three and pays the first share', async () => {
    teamPage = await context.newPage();
    await teamPage.goto(`${base}/app/team/new`);
    await fill(teamPage, {
      '/leaderFirstName': 'John',
      '/leaderLastName': 'Doe',
      '/leaderEmail': 'leader@example.com',
      '/country': 'Australia',
      '/members/0/name': 'Jane Smith',
      '/members/0/email': 'jane@example.com',
    });
    await teamPage.getByRole('button', { name: 'Add a member' }).click();
    await fill(teamPage, { '/members/1/name': 'Ravi Patel', '/members/1/email': 'not-an-address' });
    await teamPage.getByRole('button', { name: 'Create the team and pay my share' }).click();
    await teamPage.locator('[data-error-for="/members/1/email"]').waitFor();
    await fill(teamPage, { '/members/1/email': 'ravi@example.com' });
    await teamPage.getByRole('button', { name: 'Create the team and pay my share' }).click();
    await payOnCheckout(teamPage, '99.67');
    await teamPage.locator('#team-note').waitFor();
    await teamPage.locator('#record-link').click();
    await teamPage.waitForURL(/\/app\/team\?/);
    await status(teamPage, 'pending_payment');
    await teamPage.locator('#members tr', { hasText: 'John Doe' }).locator('[data-status="authorized"]').waitFor();
    await shot(teamPage, 'team-waiting');
  });

  await check('each member pays from the invitation link in the outbox', async () => {
    for (const [email, share] of [['jane@example.com', '99.67'], ['ravi@example.com', '99.66']]) {
      const { page: member, href } = await openEmail(email, 'team_invitation', 'Pay my share');
      assert.ok(href.startsWith(`${base}/app/pay?`), href);
      await payOnCheckout(member, share);
      await member.locator('#status [data-status]').waitFor();
      await member.close();
    }
  });

  await check("the leader's team page follows the team until it is fully paid", async () => {
    await status(teamPage, 'fully_paid');
    assert.equal(await teamPage.locator('#members [data-status="paid"]').count(), 3);
    journey('team-creation', idFrom(teamPage, 'teamId'));
    await shot(teamPage, 'team-paid');
  });

  await check('a scholarship: calculated, applied for, approved, paid', async () => {
    await page.goto(`${base}/app/scholarship/apply`);
    await fill(page, {
      '/application/householdIncome': '120000',
      '/application/householdSize': '2',
      '/application/country': 'Brazil',
      '/application/employmentStatus': 'student',
    });
    await page.getByRole('button', { name: 'Calculate' }).click();
    await page.locator('#summary').waitFor();
    assert.match(await page.locator('#summary').innerText(), /scholarship/);
    await fill(page, { '/email': 'amira@example.com', '/firstName': 'Amira', '/lastName': 'Haddad' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\/app\/scholarship\?/);
    await status(page, 'approved');
    const [, price] = (await page.locator('#pay-link').innerText()).match(/^Pay \$(\d+\.\d\d)$/);
    await page.locator('#pay-link').click();
    await payOnCheckout(page, price);
    await status(page, 'paid');
    await page.locator('#record-link').click();
    await page.waitForURL(/\/app\/scholarship\?/);
    await status(page, 'paid');
    journey('scholarship-application', idFrom(page, 'scholarshipId'));
  });

  await check("a scholarship above 30%: the page follows it through a reviewer's approval to paid", async () => {
    await page.goto(`${base}/app/scholarship/apply`);
    await fill(page, {
      '/application/householdIncome': '42000',
      '/application/householdSize': '3',
      '/application/country': 'Egypt',
      '/application/employmentStatus': 'part-time',
      '/application/latestExamScore': '58',
      '/email': 'omar@example.com',
      '/firstName': 'Omar',
      '/lastName': 'Said',
      '/statement': 'I work part-time while preparing for the ADC written exam.',
    });
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\/app\/scholarship\?/);
    await status(page, 'pending_review');
    assert.equal(await page.locator('#pay-link').isHidden(), true);
    // The reviewer decides through the admin API (the page keeps following).
    const id = idFrom(page, 'scholarshipId');
    for (let tries = 0; ; tries += 1) {
      const review = await fetch(`${base}/v1/scholarships/${id}/review`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ decision: 'approve', note: 'Verified.' }),
      });
      if (review.ok) break;
      // Until the journey waits for a reviewer the route says NOT_UNDER_REVIEW.
      assert.ok(tries < 100, `the review was refused: ${review.status} ${await review.text()}`);
      await page.waitForTimeout(100);
    }
    await status(page, 'approved');
    const [, price] = (await page.locator('#pay-link').innerText()).match(/^Pay \$(\d+\.\d\d)$/);
    await page.locator('#pay-link').click();
    await payOnCheckout(page, price);
    await status(page, 'paid');
    journey('scholarship-application', id);
  });

  await check('a personalized plan: assessed, report uploaded, paid, active', async () => {
    await page.goto(`${base}/app/plan/new`);
    await fill(page, {
      '/scoreReport/clinicalPercent': '52',
      '/scoreReport/theoryPercent': '66',
      '/scoreReport/overallPercent': '59',
      '/scoreReport/questionsAnswered': '150',
      '/scoreReport/questionsTotal': '150',
      '/scoreReport/timeUsedMinutes': '180',
      '/scoreReport/timeAllowedMinutes': '0',
    });
    await page.getByRole('button', { name: 'Assess' }).click();
    await page.locator('[data-error-for="/scoreReport/timeAllowedMinutes"]').waitFor();
    await fill(page, { '/scoreReport/timeAllowedMinutes': '210' });
    await page.getByRole('button', { name: 'Assess' }).click();
    await page.locator('#clusters input[value="1"]:checked').waitFor();
    await page.setInputFiles('#report-file', {
      name: 'adc-report.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.7 ADC score report'),
    });
    await fill(page, { '/email': 'sam@example.com', '/firstName': 'Sam', '/lastName': 'Lee' });
    await page.getByRole('button', { name: 'Create the plan and pay' }).click();
    await payOnCheckout(page, '179.00');
    await status(page, 'active');
    await page.locator('#record-link').click();
    await page.waitForURL(/\/app\/plan\?/);
    await status(page, 'active');
    assert.match(await page.locator('#facts').innerText(), /score-reports\//);
    journey('personalized-plan', idFrom(page, 'planId'));
  });

  await check('a premium mock exam seat: paid, registered', async () => {
    await page.goto(`${base}/app/mock-exams`);
    await page.locator(`#exam option[value="${examId}"]`).waitFor({ state: 'attached' });
    await fill(page, {
      '/mockExamId': examId,
      '/tier': 'premium',
      '/email': 'noah@example.com',
      '/firstName': 'Noah',
      '/lastName': 'Brown',
      '/timeZone': 'Asia/Kolkata',
    });
    await page.getByRole('button', { name: 'Register' }).click();
    await payOnCheckout(page, '29.00');
    await status(page, 'registered');
    await page.locator('#record-link').click();
    await page.waitForURL(/\/app\/mock-exam\?/);
    await status(page, 'registered');
    await page.locator('#facts dd', { hasText: /ADC Part 1 Mock Exam, .* (AEST|AEDT) to / }).waitFor();
    journey('mock-exam-registration', idFrom(page, 'registrationId'));
  });

  await check('a free mock exam seat: registered at once', async () => {
    await page.goto(`${base}/app/mock-exams`);
    await page.locator(`#exam option[value="${examId}"]`).waitFor({ state: 'attached' });
    await fill(page, {
      '/mockExamId': examId,
      '/tier': 'free',
      '/email': 'priya@example.com',
      '/firstName': 'Priya',
      '/lastName': 'Kumar',
    });
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/app\/mock-exam\?/);
    await status(page, 'registered');
    journey('mock-exam-registration', idFrom(page, 'registrationId'));
    const { page: candidate, href } = await openEmail('priya@example.com', 'mock_exam_registration', 'Open my exam');
    assert.ok(href.startsWith(`${base}/app/mock-exam?`), href);
    await status(candidate, 'registered');
    await candidate.close();
  });
});
