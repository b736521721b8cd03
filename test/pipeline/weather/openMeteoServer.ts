// A loopback stand-in for Open-Meteo: answers /v1/archive and /v1/forecast in the real response
// format for whatever coordinates, dates and variables are asked (values are simple functions of
// the hour, so tests can predict them), or replays a recorded body, or injects a fault.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";

export type Behaviour = "answer" | "500" | {recorded: unknown};

export interface OpenMeteoServer {
  url: string;
  hits: number;
  behaviour: Behaviour;
  close(): Promise<void>;
}

const UNITS: Record<string, string> = {
  time: "iso8601",
  shortwave_radiation: "W/m²",
  direct_normal_irradiance: "W/m²",
  diffuse_radiation: "W/m²",
  temperature_2m: "°C",
  cloud_cover: "%",
  wind_speed_10m: "km/h",
  relative_humidity_2m: "%",
  precipitation: "mm"
};

/** The value the fake answers for a variable at an hour stamp (UTC) and site index. */
export function fakeValue(variable: string, stampMs: number, site: number): number {
  const hour = new Date(stampMs).getUTCHours();
  const sun = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
  switch (variable) {
    case "shortwave_radiation":
      return Math.round(800 * sun) + site;
    case "direct_normal_irradiance":
      return Math.round(600 * sun);
    case "diffuse_radiation":
      return Math.round(150 * sun);
    case "temperature_2m":
      return 10 + hour / 2;
    case "wind_speed_10m":
      return 36; // 10 m/s
    default:
      return 50;
  }
}

export async function startOpenMeteoServer(): Promise<OpenMeteoServer> {
  const state = {hits: 0, behaviour: "answer" as Behaviour};
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.hits++;
    if (state.behaviour === "500") {
      res.writeHead(500, {"content-type": "text/plain"}).end("upstream exploded");
      return;
    }
    if (typeof state.behaviour === "object") {
      res.writeHead(200, {"content-type": "application/json"}).end(JSON.stringify(state.behaviour.recorded));
      return;
    }
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    const lats = (q.get("latitude") ?? "").split(",").map(Number);
    const lons = (q.get("longitude") ?? "").split(",").map(Number);
    const variables = (q.get("hourly") ?? "").split(",");
    // Dates as asked, or the forecast endpoint's days around today (UTC).
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const start = q.has("start_date") ? Date.parse(`${q.get("start_date")}T00:00:00Z`) : today - Number(q.get("past_days") ?? 0) * 86_400_000;
    const end =
      (q.has("end_date") ? Date.parse(`${q.get("end_date")}T00:00:00Z`) : today + (Number(q.get("forecast_days") ?? 7) - 1) * 86_400_000) + 23 * 3_600_000;
    const bodies = lats.map((lat, site) => {
      const time: string[] = [];
      for (let t = start; t <= end; t += 3_600_000) time.push(new Date(t).toISOString().slice(0, 16));
      const hourly: Record<string, unknown[]> = {time};
      for (const v of variables) hourly[v] = time.map((t) => fakeValue(v, Date.parse(`${t}:00Z`), site));
      return {
        latitude: lat,
        longitude: lons[site],
        generationtime_ms: 0.1,
        utc_offset_seconds: 0,
        timezone: "GMT",
        timezone_abbreviation: "GMT",
        elevation: 100,
        ...(site > 0 ? {location_id: site} : {}),
        hourly_units: Object.fromEntries(["time", ...variables].map((v) => [v, UNITS[v]])),
        hourly
      };
    });
    res.writeHead(200, {"content-type": "application/json"}).end(JSON.stringify(bodies.length === 1 ? bodies[0] : bodies));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b: Behaviour) {
      state.behaviour = b;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  };
}
