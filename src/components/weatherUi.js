import {html} from "npm:htl";
import {configSnippet, distanceKm, validateLookup} from "./weatherLookup.js";

/**
 * The Open-Meteo lookup form. Its value is null until the user submits; each valid submit sets it
 * to a validated request (weatherLookup.js validateLookup) and fires one "input" event, so
 * `view(form)` re-runs the fetch only then, never while typing. Invalid fields are reported in the
 * form and fetch nothing. `form.fill({lat, lon, start, end})` lets the page keep the fields in step
 * with the chart's site and period.
 */
export function lookupForm({lat = "", lon = "", start = "", end = "", now = () => new Date()} = {}) {
  const error = html`<p class="weather-lookup-error" role="alert" data-testid="lookup-form-error" hidden></p>`;
  const form = html`<form class="weather-lookup-form" data-testid="lookup-form" novalidate>
    <label>Latitude <input name="lat" type="text" inputmode="decimal" autocomplete="off" value=${String(lat)}></label>
    <label>Longitude <input name="lon" type="text" inputmode="decimal" autocomplete="off" value=${String(lon)}></label>
    <label>From <input name="start" type="date" value=${start}></label>
    <label>To <input name="end" type="date" value=${end}></label>
    <label>Endpoint <select name="endpoint">
      <option value="auto">auto</option>
      <option value="archive">archive (ERA5, observed)</option>
      <option value="forecast">forecast</option>
    </select></label>
    <label class="weather-lookup-wide">Server <input name="baseUrl" type="text" autocomplete="off" placeholder="blank: the public API (archive-api.open-meteo.com, api.open-meteo.com)"></label>
    <div class="weather-lookup-buttons"><button type="submit" data-testid="lookup-submit">Look up</button></div>
    ${error}
    <p class="weather-lookup-hint">Endpoint <em>auto</em> asks the ERA5 archive (observed, from 1940, about 5 days behind), or the forecast endpoint (about 3 months back, 16 days ahead) when the period reaches into the last 5 days. Server: a self-hosted Open-Meteo serving <code>/v1/archive</code> and <code>/v1/forecast</code>.</p>
  </form>`;
  let count = 0;
  form.value = null;
  // Typing fires "input" events that bubble to the form; only a submit may reach view().
  form.addEventListener("input", (event) => {
    if (event.target !== form) event.stopImmediatePropagation();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = form.elements;
    const checked = validateLookup(
      {lat: f.lat.value, lon: f.lon.value, start: f.start.value, end: f.end.value, endpoint: f.endpoint.value, baseUrl: f.baseUrl.value},
      {now: now()}
    );
    if (checked.error) {
      error.textContent = checked.error;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    form.value = {...checked.request, id: ++count};
    form.dispatchEvent(new Event("input", {bubbles: true}));
  });
  form.fill = (values) => {
    for (const [name, value] of Object.entries(values)) if (value != null && form.elements[name]) form.elements[name].value = String(value);
  };
  return form;
}

/**
 * Where the shown hours' weather comes from (weatherData.js provenance) and the snapshot's stale
 * notices that touch other sites or periods; notices for the shown site and period are the banner
 * (staleBanner) above the charts.
 */
export function provenanceCard(prov, notices, {manifest, siteName, periodLabel} = {}) {
  const elsewhere = notices.filter((n) => !n.affectsShown);
  const weather = manifest?.weather ?? {};
  return html`<div class="card" data-testid="weather-provenance">
    <h2>Where the weather comes from</h2>
    <h3>${siteName}, ${periodLabel}: ${prov.total.toLocaleString("en-US")} hours</h3>
    ${
      prov.sources.length
        ? html`<table class="weather-sources">
            <thead><tr><th>Source</th><th>Kind</th><th class="num">Hours</th><th>First – last hour (UTC)</th><th>Issued (UTC)</th></tr></thead>
            <tbody>${prov.sources.map(
              (s) => html`<tr data-source=${s.source} data-kind=${s.kind}>
                <td><code>${s.source}</code></td>
                <td><span class="pill ${s.kind === "observed" ? "pill--ok" : "pill--info"}">${s.kind}</span></td>
                <td class="num">${s.hours.toLocaleString("en-US")}</td>
                <td>${utc(s.first)} – ${utc(s.last)}</td>
                <td>${s.issued_at ? utc(s.issued_at) : html`<span class="muted">–</span>`}</td>
              </tr>`
            )}</tbody>
          </table>`
        : html`<table class="weather-sources"><tbody><tr><td class="muted">The snapshot has no weather for this site in this period.</td></tr></tbody></table>`
    }
    <p class="muted weather-small">${prov.missing ? `${prov.missing.toLocaleString("en-US")} hours have no weather row. ` : "Every hour has a weather row. "}${
      prov.hidden
        ? `${prov.hidden.toLocaleString("en-US")} more rows (other forecasts for hours already covered) are not drawn: observed wins, then the latest-issued forecast.`
        : ""
    }</p>
    <p class="muted weather-small">Snapshot weather: <code>${weather.source ?? "?"}</code>${weather.fetched_at ? `, fetched ${utc(weather.fetched_at)} UTC` : ""}${
      Array.isArray(weather.providers) ? ` · ${weather.providers.length} provider${weather.providers.length === 1 ? "" : "s"} reported` : " · no per-provider report in this snapshot"
    }. ${notices.length ? "" : html`<span class="pill pill--ok" data-testid="weather-fresh">not stale</span>`}</p>
    ${elsewhere.length ? html`<p class="weather-small"><strong>Stale or failed elsewhere</strong> (other sites or periods):</p><ul class="weather-small">${elsewhere.map((n) => html`<li>${noticeText(n)}</li>`)}</ul>` : ""}
  </div>`;
}

/** The warning above the charts when stale or failed weather touches the shown site and period. */
export function staleBanner(notices) {
  const shown = notices.filter((n) => n.affectsShown);
  if (!shown.length) return html`<span></span>`;
  return html`<div class="weather-stale" role="status" data-testid="weather-stale">
    <span class="pill pill--warn">${shown.some((n) => n.status === "failed") ? "weather failed" : "stale weather"}</span>
    <div>${shown.map((n) => html`<div>${noticeText(n)}</div>`)}</div>
  </div>`;
}

function noticeText(n) {
  const sites = n.sites.length ? n.sites.join(", ") : "all sites";
  const period = n.start || n.end ? `${n.start ?? "…"} → ${n.end ?? "…"}` : "period not recorded";
  return html`<strong><code>${n.source}</code> ${n.status}</strong> for ${sites}, ${period}${n.fetchedAt ? ` (last fetched ${utc(n.fetchedAt)} UTC)` : ""}${n.detail ? html`: <span class="muted">${n.detail}</span>` : ""}`;
}

/** The lookup's state: nothing yet, asking, an error, or what came back plus the config snippet. */
export function lookupResult(lookup, {site, sites = [], shown} = {}) {
  if (!lookup) {
    return html`<div class="weather-lookup-status muted" data-testid="lookup-status">Nothing has been fetched. Submit the form to ask Open-Meteo (data CC BY 4.0) from this browser.</div>`;
  }
  if (lookup.state === "loading") {
    return html`<div class="weather-lookup-status" data-testid="lookup-status">Asking <code>${lookup.url}</code> …</div>`;
  }
  if (!lookup.ok) {
    return html`<div class="weather-lookup-status weather-lookup-failed" role="alert" data-testid="lookup-status">
      <strong>Lookup failed.</strong> ${lookup.error}<br><span class="muted">Request: <code>${lookup.url}</code></span>
    </div>`;
  }
  const r = lookup.request;
  const km = site ? distanceKm(r.lat, r.lon, site.lat, site.lon) : null;
  const empty = lookup.rows.filter((d) => d.ghi_wm2 == null && d.temp_c == null).length;
  const snippet = configSnippet({lat: r.lat, lon: r.lon, baseUrl: r.baseUrl, sites});
  const code = html`<code class="language-ts">${snippet.text}</code>`;
  return html`<div data-testid="lookup-status" class="weather-lookup-status weather-lookup-ok">
      <strong>${lookup.rows.length.toLocaleString("en-US")} hours</strong> from <code>${lookup.source}</code> (${lookup.kind}) for ${r.lat}, ${r.lon}, ${r.start} → ${r.end}${
        lookup.latitude != null ? `; Open-Meteo's grid cell is at ${lookup.latitude.toFixed(2)}, ${lookup.longitude.toFixed(2)}${lookup.elevation != null ? `, ${Math.round(lookup.elevation)} m` : ""}` : ""
      }.
      ${empty ? html`<br><span class="muted">${empty} of them came back empty (null), as the archive's last ~5 days do.</span>` : ""}
      <br>Drawn <span class="weather-lookup-swatch"></span> dotted purple on the charts${km != null ? `, ${km < 1 ? "at" : `${Math.round(km).toLocaleString("en-US")} km from`} ${site.name}` : ""}.${shown === false ? " (Not in the shown period: set the dates above to see it.)" : ""}
      <br><span class="muted">Request: <code>${lookup.url}</code> · weather data by Open-Meteo.com, CC BY 4.0</span>
    </div>
    <div class="weather-snippet" data-testid="lookup-snippet">
      <div class="weather-snippet-head"><h3>Add this place as a site</h3>${copyButton(snippet.text, code)}</div>
      <pre>${code}</pre>
      ${snippet.notes.map((n) => html`<p class="weather-note">${n}</p>`)}
    </div>`;
}

function copyButton(text, target) {
  const button = html`<button type="button" class="weather-copy">Copy</button>`;
  button.onclick = async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied ✓";
    } catch {
      // No clipboard permission: select the text so Ctrl/⌘+C finishes the job.
      getSelection().selectAllChildren(target);
      button.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => (button.textContent = "Copy"), 2500);
  };
  return button;
}

function utc(date) {
  return new Date(date).toISOString().slice(0, 16).replace("T", " ");
}
