// How a campaigns frontend calls the public API under /v1. Everything the
// pages send goes through `call`; nothing here knows about any one page.
//
// - A record holding personal data is read with its access token in
//   `X-Access-Token`: the token comes with the record's create answer, or
//   in the `token` parameter of an email's link.
// - A create carries an `Idempotency-Key` (see `Creates`), so a double click
//   or a retry after a lost answer never makes a second record.
// - A refusal is `{"error": {"code", "message", "field", "rule"}}`; `field`
//   is a JSON Pointer into the request body, and `showError` puts the message
//   beside the input that carries that pointer (`data-field`).

const API = '/v1';

/** A refusal of the API (or no answer at all: status 0). */
export class ApiError extends Error {
  constructor(status, error) {
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
    this.rule = error.rule;
  }
}

/** One request to the API; the parsed answer, or an `ApiError`. */
export async function call(method, path, { body, token, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers['X-Access-Token'] = token;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: 'NO_ANSWER', message: 'The server could not be reached; try again.' });
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, answer?.error ?? {
      code: `HTTP_${response.status}`,
      message: response.statusText || 'The request was refused.',
    });
  }
  return answer;
}

/** `GET` of a record with its access token. */
export const read = (path, token) => call('GET', path, { token });

/**
 * The creates of one form. A key belongs to one request body: sending the
 * same body again (a double click, a retry after no answer) reuses its key, so
 * the API replays its first answer instead of creating twice; a changed body
 * (the form corrected after a refusal) gets a new key, since a key sent with
 * another body is refused (409 IDEMPOTENCY_KEY_REUSED).
 */
export class Creates {
  #sent = null;
  #key = null;

  async post(path, body) {
    const text = JSON.stringify(body);
    if (text !== this.#sent) {
      this.#sent = text;
      this.#key = newKey();
    }
    return call('POST', path, { body, idempotencyKey: this.#key });
  }
}

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Shows a refusal: beside the input whose `data-field` is the error's
 * pointer (or the closest enclosing one), else in the form's alert.
 */
export function showError(form, error) {
  clearErrors(form);
  const message = error.message ?? String(error);
  const target = error.field ? inputFor(form, error.field) : null;
  if (target) {
    target.setAttribute('aria-invalid', 'true');
    const note = form.querySelector(`[data-error-for="${CSS.escape(target.dataset.field)}"]`);
    if (note) {
      note.textContent = message;
      note.hidden = false;
      target.focus();
      return;
    }
  }
  const alert = form.querySelector('[role=alert]');
  alert.textContent = error.code ? `${message} (${error.code})` : message;
  alert.hidden = false;
}

/** The input for a JSON Pointer, or for the nearest pointer above it. */
function inputFor(form, pointer) {
  for (let at = pointer; at; at = at.slice(0, at.lastIndexOf('/'))) {
    const input = form.querySelector(`[data-field="${CSS.escape(at)}"]`);
    if (input) return input;
  }
  return null;
}

export function clearErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const note of form.querySelectorAll('[data-error-for], [role=alert]')) {
    note.textContent = '';
    note.hidden = true;
  }
}

/**
 * Where an access token is kept between a create (or a payment link) and
 * the status page Stripe returns to: this tab's session storage, keyed by
 * record. Stripe's return link names the record, not the token.
 */
export const tokens = {
  keep(recordId, token) {
    sessionStorage.setItem(`token:${recordId}`, token);
  },
  of(recordId) {
    return sessionStorage.getItem(`token:${recordId}`);
  },
};

/** Leaves for Stripe's hosted checkout (on one machine, the simulator's page). */
export function toCheckout(checkout) {
  window.location.assign(checkout.checkoutUrl);
}

/**
 * Reads `load()` every `everyMs` until `settled(answer)` holds or `limit`
 * reads were made; `show(answer)` after each. The last answer.
 */
export async function follow(load, settled, show, { everyMs = 1000, limit = 120 } = {}) {
  for (let tries = 1; ; tries += 1) {
    const answer = await load();
    show(answer);
    if (settled(answer) || tries >= limit) return answer;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
