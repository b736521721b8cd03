import {html} from "npm:htl";

const ORDER = {fail: 3, warn: 2, ok: 1, info: 0};

/** The worst status among a site's checks (info never outranks ok). */
export function siteStatus(checks) {
  let worst = "ok";
  for (const c of checks) if (ORDER[c.status] > ORDER[worst]) worst = c.status;
  return worst;
}

export function statusPill(status) {
  return html`<span class="pill pill--${status}">${status}</span>`;
}
