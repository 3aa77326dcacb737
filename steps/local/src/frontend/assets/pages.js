// The behaviour of every page of the reference client: each page's HTML
// names its key in <body data-page>, and `PAGES` below runs its function.
//
// Forms name each input's place in the request body by its JSON Pointer
// (`data-field="/application/country"`), the same pointer a refusal's
// `field` names, so one function builds the body (`bodyOf`) and one shows
// the refusal beside its input (`showError`). The forms do not validate
// (`novalidate`): the API's answer is the one source of the rules.
//
// Data reaches the page only as text (`textContent`, `el` below), never as
// markup, and the server's Content-Security-Policy allows no inline script.

import { call, read, Creates, showError, clearErrors, tokens, toCheckout, follow } from '/app/api.js';

// --- small helpers -----------------------------------------------------

const $ = (selector) => document.querySelector(selector);
const query = new URLSearchParams(window.location.search);

/** A required query parameter, or an error naming it. */
function param(name) {
  const value = query.get(name);
  if (!value) throw new Error(`This link lacks its "${name}" parameter.`);
  return value;
}

/** An element with text children (strings become text nodes, never markup). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** Dollars on the wire (at most two decimals) shown as `$159.20`. */
function money(dollars) {
  const cents = Math.round(dollars * 100);
  return `$${Math.trunc(cents / 100)}.${String(Math.abs(cents % 100)).padStart(2, '0')}`;
}

const when = (instant) => (instant ? new Date(instant).toLocaleString() : '—');

/** A status as a badge; tests and styles read `data-status`. */
const badge = (status) => el('span', { class: 'badge', 'data-status': status }, status);

/** Fills a `<dl>` with label/value pairs (values are text or nodes). */
function facts(list, pairs) {
  list.replaceChildren(
    ...pairs
      .filter(([, value]) => value !== undefined && value !== null)
      .flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)]),
  );
}

/** A page of this client with its query. */
function pageUrl(path, params) {
  return `/app${path}?${new URLSearchParams(params)}`;
}

/** Where a record is shown, by campaign, with its token. */
function recordUrl(campaignId, recordId, token) {
  const page = {
    'team-creation': ['/team', 'teamId'],
    'scholarship-application': ['/scholarship', 'scholarshipId'],
    'discount-purchase': ['/purchase', 'purchaseId'],
    'personalized-plan': ['/plan', 'planId'],
    'mock-exam': ['/mock-exam', 'registrationId'],
  }[campaignId];
  return pageUrl(page[0], { [page[1]]: recordId, token });
}

/** The payment page an email links to, for a record paid in one piece. */
const payUrl = (campaignId, recordId, token) => pageUrl('/pay', { campaignId, recordId, token });

/**
 * The request body a form describes: each `[data-field]` input at its
 * pointer. `data-type="number"` sends a number (left out when empty),
 * a checkbox a boolean, `data-optional` a string left out when empty; a
 * radio only when checked.
 */
function bodyOf(form) {
  const body = {};
  for (const input of form.querySelectorAll('[data-field]')) {
    if (input.type === 'file' || (input.type === 'radio' && !input.checked)) continue;
    let value = input.type === 'checkbox' ? input.checked : input.value.trim();
    if (input.dataset.type === 'number') {
      if (value === '') continue;
      value = Number(value);
    } else if (value === '' && 'optional' in input.dataset) {
      continue;
    }
    setAt(body, input.dataset.field, value);
  }
  return body;
}

function setAt(target, pointer, value) {
  const path = pointer.split('/').slice(1);
  let node = target;
  path.slice(0, -1).forEach((segment, i) => {
    node[segment] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
    node = node[segment];
  });
  node[path.at(-1)] = value;
}

/** Runs `action` for a form: errors cleared first, buttons off meanwhile, a refusal shown. */
async function run(form, action) {
  clearErrors(form);
  const buttons = form.querySelectorAll('button');
  for (const button of buttons) button.disabled = true;
  try {
    await action();
  } catch (error) {
    showError(form, error);
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

/** A refusal whose pointer is relative to a part of the body (e.g. `/application`). */
function under(prefix, error) {
  if (error.field) error.field = prefix + error.field;
  return error;
}

/** Shows a failure to load a page's record in its alert. */
function failed(error) {
  const alert = $('#problem');
  alert.textContent = error.code ? `${error.message} (${error.code})` : error.message;
  alert.hidden = false;
}

/** Reads a record and follows it until `settled`, showing it each time. */
async function followRecord(path, token, settled, show) {
  try {
    await follow(() => read(path, token), settled, show, { everyMs: 1500, limit: 400 });
  } catch (error) {
    failed(error);
  }
}

// --- journey starts --------------------------------------------------------

/** Buy a plan, with a coupon or without. */
function buy() {
  const form = $('#buy');
  const creates = new Creates();
  $('#check-coupon').addEventListener('click', () =>
    run(form, async () => {
      const { email, productId, couponCode = '' } = bodyOf(form);
      $('#quote').replaceChildren();
      const quote = await call('POST', '/coupons/validate', { body: { couponCode, email, productId } });
      if (!quote.valid) throw { field: '/couponCode', ...quote.reason };
      facts($('#quote'), [
        ['Price', money(quote.originalPrice)],
        ['Discount', money(quote.discountAmount)],
        ['You pay', money(quote.finalPrice)],
      ]);
    }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(form, async () => {
      const created = await creates.post('/purchases/create', bodyOf(form));
      tokens.keep(created.purchaseId, created.accessToken);
      if (created.checkout) toCheckout(created.checkout);
      // A price of zero is paid at once: there is nothing to check out.
      else window.location.assign(recordUrl('discount-purchase', created.purchaseId, created.accessToken));
    });
  });
}

/** A leader creates a team; the leader pays now, the others from their invitations. */
function newTeam() {
  const form = $('#team');
  const creates = new Creates();
  const rows = $('#members');
  const addMember = () => {
    const index = rows.children.length;
    const row = $('#member-row').content.firstElementChild.cloneNode(true);
    for (const node of row.querySelectorAll('[data-part]')) {
      const pointer = `/members/${index}/${node.dataset.part}`;
      node.setAttribute(node.matches('input') ? 'data-field' : 'data-error-for', pointer);
    }
    row.querySelector('legend').textContent = `Member ${index + 2}`;
    rows.append(row);
    $('#add-member').disabled = rows.children.length >= 4;
  };
  addMember();
  $('#add-member').addEventListener('click', addMember);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(form, async () => {
      const created = await creates.post('/teams/create', bodyOf(form));
      tokens.keep(created.teamId, created.accessToken);
      toCheckout(created.checkout);
    });
  });
}

/** Calculate a scholarship, then apply. */
function applyScholarship() {
  const form = $('#scholarship');
  const creates = new Creates();
  $('#calculate').addEventListener('click', () =>
    run(form, async () => {
      const { application } = bodyOf(form);
      const calculation = await call('POST', '/scholarships/calculate', { body: application }).catch((error) => {
        throw under('/application', error);
      });
      showCalculation(calculation);
    }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(form, async () => {
      const created = await creates.post('/scholarships/apply', bodyOf(form));
      tokens.keep(created.scholarshipId, created.accessToken);
      window.location.assign(recordUrl('scholarship-application', created.scholarshipId, created.accessToken));
    });
  });
}

function showCalculation(calculation) {
  $('#calculation').hidden = false;
  $('#summary').textContent = calculation.summary;
  $('#components').replaceChildren(
    ...calculation.components.map((part) => el('li', {}, `${part.name}: ${part.points} points. ${part.explanation}`)),
  );
}

/** Assess a score report, upload it, create the plan and pay. */
function newPlan() {
  const form = $('#plan');
  const creates = new Creates();
  const file = $('#report-file');
  let uploaded = { file: null, key: null };
  $('#assess').addEventListener('click', () =>
    run(form, async () => {
      const { scoreReport } = bodyOf(form);
      const assessment = await call('POST', '/personalized-plans/assess', { body: scoreReport }).catch((error) => {
        throw under('/scoreReport', error);
      });
      $('#assessment').hidden = false;
      $('#reasons').replaceChildren(...assessment.reasons.map((reason) => el('li', {}, reason)));
      $('#clusters').replaceChildren(
        ...assessment.fits.map((fit) => {
          const choice = el('input', {
            type: 'radio',
            name: 'cluster',
            value: String(fit.cluster),
            'data-field': '/selectedCluster',
            'data-type': 'number',
          });
          choice.checked = fit.cluster === assessment.cluster;
          return el('label', { class: 'choice' }, choice, ` ${fit.name}: ${money(fit.price)}, fit ${fit.fit}%`);
        }),
      );
    }),
  );
  // The file goes straight to storage through a presigned URL, never
  // through the API; the plan then names it by its key.
  const upload = async () => {
    const chosen = file.files[0];
    if (!chosen) return undefined;
    if (uploaded.file === chosen) return uploaded.key;
    const url = await call('POST', '/personalized-plans/upload-url', {
      body: { fileName: chosen.name, contentType: chosen.type, contentLength: chosen.size },
    }).catch((error) => {
      throw { ...error, message: error.message, field: '/scoreReportKey' };
    });
    const put = await fetch(url.uploadUrl, {
      method: url.method,
      headers: { 'Content-Type': url.headers['Content-Type'] },
      body: chosen,
    });
    if (!put.ok) throw { field: '/scoreReportKey', message: `The upload was refused (${put.status}).` };
    uploaded = { file: chosen, key: url.key };
    return url.key;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(form, async () => {
      const scoreReportKey = await upload();
      const created = await creates.post('/personalized-plans/create', { ...bodyOf(form), scoreReportKey });
      tokens.keep(created.planId, created.accessToken);
      toCheckout(created.checkout);
    });
  });
}

/** Pick an upcoming mock exam and register, free or premium. */
async function mockExams() {
  const form = $('#register');
  const creates = new Creates();
  const exams = $('#exam');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(form, async () => {
      const created = await creates.post('/mock-exams/register', bodyOf(form));
      tokens.keep(created.registrationId, created.accessToken);
      if (created.checkout) toCheckout(created.checkout);
      else window.location.assign(recordUrl('mock-exam', created.registrationId, created.accessToken));
    });
  });
  try {
    const { exams: upcoming } = await call('GET', '/mock-exams?limit=100');
    exams.replaceChildren(
      ...upcoming.map((exam) =>
        el('option', { value: exam.mockExamId }, `${exam.title}, ${exam.startsAtLocal.text} (${exam.seatsLeft} seats left)`),
      ),
    );
    if (upcoming.length === 0) exams.append(el('option', { value: '' }, 'No exam is scheduled yet'));
  } catch (error) {
    showError(form, error);
  }
}

// --- the pages emails link to ---------------------------------------------

/** `/pay`: a fresh checkout on every visit, since a session lives 24 hours at most. */
async function pay() {
  try {
    const campaignId = param('campaignId');
    const recordId = param('recordId');
    const token = param('token');
    const memberId = query.get('memberId');
    tokens.keep(recordId, token);
    $('#record-link').href = recordUrl(campaignId, recordId, token);
    const checkout = memberId
      ? await call('POST', `/teams/${encodeURIComponent(recordId)}/members/${encodeURIComponent(memberId)}/checkout`, { token })
      : await call('POST', '/checkout/create', { body: { campaignId, recordId }, token });
    toCheckout(checkout);
  } catch (error) {
    $('#opening').hidden = true;
    failed(error);
  }
}

/** `/team`: members, shares and status, followed until the team settles. */
function team() {
  const token = query.get('token');
  const teamId = query.get('teamId');
  followRecord(`/teams/${encodeURIComponent(teamId)}`, token, (t) => t.status !== 'pending_payment', (t) => {
    $('#status').replaceChildren(badge(t.status));
    facts($('#facts'), [
      ['Leader', `${t.leaderFirstName} ${t.leaderLastName}`],
      ['Plan', `${t.planType}, ${money(t.totalAmount)} shared by ${t.totalMembers}`],
      ['Pay by', when(t.paymentDeadline)],
      ['Access', t.activatedAt ? `${when(t.activatedAt)} to ${when(t.expiresAt)}` : null],
    ]);
    $('#members').replaceChildren(
      ...t.members.map((m) =>
        el('tr', {}, el('td', {}, m.name), el('td', {}, m.email), el('td', {}, money(m.shareAmount)), el('td', {}, badge(m.status))),
      ),
    );
  });
}

/** `/scholarship`: the calculation and decision; a way to pay once approved. */
function scholarship() {
  const token = query.get('token');
  const id = query.get('scholarshipId');
  const open = ['pending_review', 'approved'];
  followRecord(`/scholarships/${encodeURIComponent(id)}`, token, (s) => !open.includes(s.status), (s) => {
    $('#status').replaceChildren(badge(s.status));
    facts($('#facts'), [
      ['Applicant', `${s.firstName} ${s.lastName}`],
      ['Scholarship', s.calculation.summary],
      ['Price', money(s.price)],
      ['Access until', s.accessExpiresAt ? when(s.accessExpiresAt) : null],
    ]);
    const link = $('#pay-link');
    link.hidden = s.status !== 'approved';
    link.href = payUrl('scholarship-application', id, token);
    link.textContent = `Pay ${money(s.price)}`;
  });
}

/** `/purchase`: the receipt. */
function purchase() {
  const token = query.get('token');
  const id = query.get('purchaseId');
  followRecord(`/purchases/${encodeURIComponent(id)}`, token, (p) => p.status !== 'pending_payment', (p) => {
    $('#status').replaceChildren(badge(p.status));
    facts($('#facts'), [
      ['Plan', p.productId],
      ['Price', money(p.originalPrice)],
      ['Coupon', p.couponCode ? `${p.couponCode} (−${money(p.discountAmount)})` : null],
      ['Paid', money(p.finalPrice)],
      ['Paid at', p.paidAt ? when(p.paidAt) : null],
      ['Access until', p.accessExpiresAt ? when(p.accessExpiresAt) : null],
    ]);
    payLink('discount-purchase', id, token, p.status);
  });
}

/** `/plan`: the plan, its cluster and access. */
function plan() {
  const token = query.get('token');
  const id = query.get('planId');
  followRecord(`/personalized-plans/${encodeURIComponent(id)}`, token, (p) => p.status !== 'pending_payment', (p) => {
    $('#status').replaceChildren(badge(p.status));
    facts($('#facts'), [
      ['For', `${p.firstName} ${p.lastName}`],
      ['Cluster', `${p.selectedCluster} (recommended: ${p.recommendedCluster})`],
      ['Price', money(p.price)],
      ['Score report', p.scoreReportKey ?? 'not uploaded'],
      ['Access', p.activatedAt ? `${when(p.activatedAt)} to ${when(p.expiresAt)}` : null],
    ]);
    payLink('personalized-plan', id, token, p.status);
  });
}

/** `/mock-exam`: a registration, the exam's details and its seat. */
function mockExam() {
  const token = query.get('token');
  const id = query.get('registrationId');
  let exam = null;
  let looked = false;
  const show = (r) => {
    $('#status').replaceChildren(badge(r.status));
    facts($('#facts'), [
      ['Candidate', `${r.firstName} ${r.lastName}`],
      // The exam's own local time, with its zone's abbreviation (AEST/AEDT).
      ['Exam', exam ? `${exam.title}, ${exam.startsAtLocal.text} to ${exam.endsAtLocal.text}` : r.mockExamId],
      ['Tier', r.tier],
      ['Your time zone', r.timeZone],
      ['Paid at', r.paidAt ? when(r.paidAt) : null],
    ]);
    payLink('mock-exam', id, token, r.status);
    if (!looked) {
      looked = true;
      upcomingExam(r.mockExamId).then((found) => {
        exam = found;
        show(r);
      }, failed);
    }
  };
  followRecord(`/mock-exams/registrations/${encodeURIComponent(id)}`, token, (r) => r.status !== 'pending_payment', show);
}

/** An exam's summary from the upcoming ones (`GET /mock-exams`, page by page); null once it has begun. */
async function upcomingExam(mockExamId) {
  let cursor;
  do {
    const page = await call('GET', `/mock-exams?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const found = page.exams.find((exam) => exam.mockExamId === mockExamId);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  return null;
}

/** `/mock-exam/results`: the candidate's own result beside the exam's statistics. */
async function mockExamResults() {
  try {
    const token = param('token');
    const registration = await read(`/mock-exams/registrations/${encodeURIComponent(param('registrationId'))}`, token);
    facts($('#result'), [
      ['Score', registration.score == null ? 'not marked yet' : `${registration.score}%`],
      ['Percentile rank', registration.percentileRank],
      ...Object.entries(registration.sectionScores ?? {}).map(([section, score]) => [section, `${score}%`]),
    ]);
    const { statistics: s } = await read(`/mock-exams/${encodeURIComponent(param('mockExamId'))}/stats`);
    facts($('#statistics'), [
      ['Candidates', s.count],
      ['Mean', s.mean],
      ['Median', s.median],
      ['Pass mark', `${s.passMark}%`],
      ['Pass rate', `${s.passRatePercent}%`],
    ]);
  } catch (error) {
    failed(error);
  }
}

/** A "Pay now" link while a record paid in one piece waits for its payment. */
function payLink(campaignId, recordId, token, status) {
  const link = $('#pay-link');
  link.hidden = status !== 'pending_payment';
  link.href = payUrl(campaignId, recordId, token);
}

// --- where Stripe returns --------------------------------------------------

/**
 * `/checkout/success`: Stripe's return names the session, not the token,
 * so this page follows `POST /checkout/verify` until the record settles
 * (the payment is confirmed by Stripe's webhook, which may come after
 * the payer), then links to the record with the token this tab kept.
 */
async function checkoutSuccess() {
  const campaign = query.get('campaign');
  const record = query.get('record');
  // What a record reads while its payment is on its way.
  const paying = campaign === 'scholarship-application' ? 'approved' : 'pending_payment';
  const token = tokens.of(record);
  if (token) {
    const link = $('#record-link');
    link.href = recordUrl(campaign, record, token);
    link.hidden = false;
  }
  try {
    const last = await follow(
      () => call('POST', '/checkout/verify', { body: { sessionId: param('session_id') } }),
      (v) => v.recordStatus !== paying || v.status === 'expired',
      (v) => {
        $('#status').replaceChildren(badge(v.recordStatus));
        $('#session').textContent = `Checkout ${v.status}, payment ${v.paymentStatus}.`;
        // A team share is authorized now and captured with the others'.
        $('#team-note').hidden = !(campaign === 'team-creation' && v.status === 'complete' && v.recordStatus === paying);
      },
    );
    $('#waiting').hidden = last.recordStatus !== paying;
  } catch (error) {
    failed(error);
  }
}

/** `/checkout/cancel`: the payer backed out; the API already released any hold. */
function checkoutCancel() {
  const record = query.get('record');
  const token = tokens.of(record);
  if (token) {
    const link = $('#record-link');
    link.href = recordUrl(query.get('campaign'), record, token);
    link.hidden = false;
  }
}

const PAGES = {
  '/buy': buy,
  '/team/new': newTeam,
  '/scholarship/apply': applyScholarship,
  '/plan/new': newPlan,
  '/mock-exams': mockExams,
  '/pay': pay,
  '/team': team,
  '/scholarship': scholarship,
  '/purchase': purchase,
  '/plan': plan,
  '/mock-exam': mockExam,
  '/mock-exam/results': mockExamResults,
  '/checkout/success': checkoutSuccess,
  '/checkout/cancel': checkoutCancel,
};

PAGES[document.body.dataset.page]?.();
