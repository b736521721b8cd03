// The demo fleet: eight real locations in different climates and both hemispheres, with the
// logger file format of each site and the (internal) physical/climate parameters that drive it.

import type {ClimateParams} from "./weatherProcess.ts";
import type {FaultModel} from "./faults.ts";

export interface DemoSite {
  id: string;
  name: string;
  lat: number;
  lon: number;
  timezone: string;
  /** AC (inverter) capacity, kW — what the rest of Sunline calls capacity. */
  capacity_kw: number;
  dc_capacity_kw: number;
  tilt: number;
  /** Degrees clockwise from north (180 = south; southern-hemisphere sites face north = 0). */
  azimuth: number;
  climate: string;
  unit: "W" | "kW";
  delimiter: "," | ";";
  timestamp_column: string;
  power_column: string;
  /** Only on sites derived from a built-in one (fleet.ts): the built-in site whose model it shares. */
  parent_id?: string;
}

/** Physics, climate, fault and logger parameters that are not part of the public site record. */
export interface SiteModel {
  elevationM: number;
  /** Fixed Linke turbidity for the Ineichen–Perez clear sky. */
  linkeTurbidity: number;
  climate: ClimateParams;
  faults: FaultModel;
  /** Faiman heat-loss coefficients: close-mounted roofs run hotter than open racks. */
  faimanU0: number;
  faimanU1: number;
  /** Lumped DC losses (wiring, mismatch, LID, nameplate), fraction. */
  systemLosses: number;
  degradationPerYear: number;
  /** Decimals written in the logger's unit. */
  decimals: number;
  /** Whether the meter records night-time self-consumption as small negative values (in episodes). */
  negativeNight: boolean;
}

const site = (s: DemoSite): DemoSite => Object.freeze(s);

export const DEMO_SITES: readonly DemoSite[] = Object.freeze([
  site({id: "de-freiburg", name: "Freiburg im Breisgau (rooftop)", lat: 47.999, lon: 7.842, timezone: "Europe/Berlin",
    capacity_kw: 30, dc_capacity_kw: 36, tilt: 35, azimuth: 170, climate: "Cfb temperate oceanic",
    unit: "kW", delimiter: ";", timestamp_column: "timestamp", power_column: "AC_Power_kW"}),
  site({id: "es-seville", name: "Seville (ground mount)", lat: 37.389, lon: -5.985, timezone: "Europe/Madrid",
    capacity_kw: 5000, dc_capacity_kw: 6500, tilt: 25, azimuth: 180, climate: "Csa hot-summer Mediterranean",
    unit: "W", delimiter: ",", timestamp_column: "datetime", power_column: "ac_power_w"}),
  site({id: "us-phoenix", name: "Phoenix (ground mount)", lat: 33.448, lon: -112.074, timezone: "America/Phoenix",
    capacity_kw: 1000, dc_capacity_kw: 1300, tilt: 20, azimuth: 180, climate: "BWh hot desert",
    unit: "kW", delimiter: ",", timestamp_column: "timestamp", power_column: "AC_Power_kW"}),
  site({id: "us-denver", name: "Denver (commercial rooftop)", lat: 39.739, lon: -104.990, timezone: "America/Denver",
    capacity_kw: 250, dc_capacity_kw: 300, tilt: 15, azimuth: 195, climate: "BSk cold semi-arid",
    unit: "W", delimiter: ",", timestamp_column: "Time", power_column: "Pac_W"}),
  site({id: "au-sydney", name: "Sydney (commercial rooftop)", lat: -33.869, lon: 151.209, timezone: "Australia/Sydney",
    capacity_kw: 100, dc_capacity_kw: 125, tilt: 22, azimuth: 15, climate: "Cfa humid subtropical",
    unit: "kW", delimiter: ",", timestamp_column: "datetime", power_column: "power_kw"}),
  site({id: "za-cape-town", name: "Cape Town (carport)", lat: -33.925, lon: 18.424, timezone: "Africa/Johannesburg",
    capacity_kw: 500, dc_capacity_kw: 640, tilt: 30, azimuth: 0, climate: "Csb warm-summer Mediterranean",
    unit: "kW", delimiter: ";", timestamp_column: "Time", power_column: "AC_Power_kW"}),
  site({id: "cl-santiago", name: "Santiago (ground mount)", lat: -33.449, lon: -70.669, timezone: "America/Santiago",
    capacity_kw: 2000, dc_capacity_kw: 2700, tilt: 25, azimuth: 0, climate: "Csb Mediterranean, dry summers",
    unit: "W", delimiter: ",", timestamp_column: "timestamp", power_column: "ac_power_w"}),
  site({id: "in-chennai", name: "Chennai (industrial rooftop)", lat: 13.083, lon: 80.271, timezone: "Asia/Kolkata",
    capacity_kw: 1500, dc_capacity_kw: 1725, tilt: 13, azimuth: 180, climate: "Aw tropical wet and dry (monsoon)",
    unit: "kW", delimiter: ",", timestamp_column: "datetime", power_column: "ac_kw"})
]);

const none = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] as const;

export const SITE_MODELS: Readonly<Record<string, SiteModel>> = Object.freeze({
  "de-freiburg": {
    elevationM: 278, linkeTurbidity: 3.2, faimanU0: 20, faimanU1: 5, systemLosses: 0.1, degradationPerYear: 0.005,
    decimals: 3, negativeNight: true,
    climate: {
      // Winter-grey upper Rhine valley, convective summer afternoons.
      cloudMonthly: [0.8, 0.74, 0.66, 0.6, 0.6, 0.55, 0.5, 0.5, 0.55, 0.67, 0.8, 0.84],
      convectiveMonthly: [0, 0, 0, 0.1, 0.3, 0.4, 0.4, 0.3, 0.1, 0, 0, 0],
      tempMonthly: [2, 3.5, 7.5, 11, 15, 18.5, 20.5, 20, 16, 11, 6, 3],
      diurnalRange: 9, tempNoiseSd: 3, dewpointDepression: 5.5, windMean: 2.5, precipScale: 0.6
    },
    faults: {nStrings: 3, discrete: [
      {type: "partial_outage", perYear: 0.8, minDays: 5, maxDays: 25},
      {type: "outage", perYear: 0.8, minDays: 0.25, maxDays: 2}
    ]}
  },
  "es-seville": {
    elevationM: 12, linkeTurbidity: 3.5, faimanU0: 25, faimanU1: 6.84, systemLosses: 0.09, degradationPerYear: 0.006,
    decimals: 0, negativeNight: false,
    climate: {
      // Dry, almost cloudless summers; Atlantic fronts in winter.
      cloudMonthly: [0.45, 0.42, 0.4, 0.38, 0.28, 0.14, 0.07, 0.09, 0.22, 0.38, 0.46, 0.48],
      convectiveMonthly: none,
      tempMonthly: [11, 12.5, 15.5, 17.5, 21, 25.5, 28.5, 28, 25, 20.5, 15, 12],
      diurnalRange: 14, tempNoiseSd: 2.5, dewpointDepression: 8, windMean: 3, precipScale: 1.5
    },
    faults: {nStrings: 20,
      soiling: {ratePerDay: [0.0015, 0.0025], rainCleaningMm: 4, scheduledCleaningDays: 120, maxLoss: 0.25},
      discrete: [{type: "curtailment", perYear: 0.6, minDays: 7, maxDays: 30, limitFraction: [0.65, 0.75]}]}
  },
  "us-phoenix": {
    elevationM: 331, linkeTurbidity: 3.0, faimanU0: 25, faimanU1: 6.84, systemLosses: 0.09, degradationPerYear: 0.007,
    decimals: 2, negativeNight: false,
    climate: {
      // Sonoran desert: clear most of the year, July–August monsoon thunderstorms.
      cloudMonthly: [0.3, 0.3, 0.25, 0.17, 0.12, 0.08, 0.22, 0.24, 0.15, 0.15, 0.22, 0.3],
      convectiveMonthly: [0, 0, 0, 0, 0, 0.1, 0.8, 0.8, 0.3, 0, 0, 0],
      tempMonthly: [13.5, 15.5, 18.5, 22.5, 27.5, 32.5, 35, 34.5, 31.5, 25, 17.5, 13],
      diurnalRange: 14, tempNoiseSd: 2.5, dewpointDepression: 20, windMean: 2.5, precipScale: 1.5
    },
    faults: {nStrings: 12,
      soiling: {ratePerDay: [0.002, 0.003], rainCleaningMm: 4, scheduledCleaningDays: 90, maxLoss: 0.25},
      discrete: [{type: "outage", perYear: 1.5, minDays: 0.2, maxDays: 3}]}
  },
  "us-denver": {
    elevationM: 1609, linkeTurbidity: 2.5, faimanU0: 22, faimanU1: 5.5, systemLosses: 0.1, degradationPerYear: 0.005,
    decimals: 0, negativeNight: true,
    climate: {
      // High plains: sunny, large diurnal range, afternoon storms in summer, big synoptic swings.
      cloudMonthly: [0.45, 0.48, 0.5, 0.52, 0.55, 0.4, 0.38, 0.38, 0.32, 0.38, 0.45, 0.45],
      convectiveMonthly: [0, 0, 0, 0.1, 0.3, 0.5, 0.6, 0.5, 0.2, 0, 0, 0],
      tempMonthly: [0, 1, 5, 8.5, 14, 20, 23.5, 22.5, 17.5, 10.5, 4, 0],
      diurnalRange: 15, tempNoiseSd: 4.5, dewpointDepression: 11, windMean: 3.8, precipScale: 0.75
    },
    faults: {nStrings: 6, discrete: [
      {type: "outage", perYear: 0.8, minDays: 2, maxDays: 6},
      {type: "partial_outage", perYear: 0.6, minDays: 5, maxDays: 20}
    ]}
  },
  "au-sydney": {
    elevationM: 40, linkeTurbidity: 3.0, faimanU0: 20, faimanU1: 5, systemLosses: 0.1, degradationPerYear: 0.005,
    decimals: 3, negativeNight: true,
    climate: {
      cloudMonthly: [0.55, 0.58, 0.55, 0.5, 0.5, 0.52, 0.45, 0.4, 0.42, 0.48, 0.55, 0.55],
      convectiveMonthly: [0.3, 0.3, 0.2, 0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.3],
      tempMonthly: [23, 23, 21.5, 19, 16, 13.5, 12.5, 14, 16.5, 18.5, 20.5, 22],
      diurnalRange: 7, tempNoiseSd: 2, dewpointDepression: 6, windMean: 4, precipScale: 1.8
    },
    faults: {nStrings: 4, discrete: [
      // Network export limits are common on Australian feeders.
      {type: "curtailment", perYear: 1.2, minDays: 10, maxDays: 40, limitFraction: [0.6, 0.75]},
      {type: "outage", perYear: 0.5, minDays: 0.2, maxDays: 1.5}
    ]}
  },
  "za-cape-town": {
    elevationM: 25, linkeTurbidity: 2.8, faimanU0: 25, faimanU1: 6.84, systemLosses: 0.1, degradationPerYear: 0.005,
    decimals: 2, negativeNight: false,
    climate: {
      // Winter rainfall (May–August), dry windy summers (the "Cape Doctor").
      cloudMonthly: [0.18, 0.18, 0.22, 0.35, 0.5, 0.58, 0.58, 0.55, 0.45, 0.32, 0.22, 0.18],
      convectiveMonthly: none,
      tempMonthly: [21.5, 21.5, 20.5, 18, 15.5, 13.5, 12.5, 13, 14.5, 16.5, 18.5, 20.5],
      diurnalRange: 9, tempNoiseSd: 2, dewpointDepression: 6, windMean: 5.5, precipScale: 1.0
    },
    faults: {nStrings: 8,
      soiling: {ratePerDay: [0.001, 0.0015], rainCleaningMm: 4, scheduledCleaningDays: 180, maxLoss: 0.2},
      discrete: [
        // Grid load-shedding style outages: a few hours each.
        {type: "outage", perYear: 2.5, minDays: 0.1, maxDays: 0.2},
        {type: "partial_outage", perYear: 0.5, minDays: 3, maxDays: 14}
      ]}
  },
  "cl-santiago": {
    elevationM: 570, linkeTurbidity: 3.8, faimanU0: 25, faimanU1: 6.84, systemLosses: 0.09, degradationPerYear: 0.006,
    decimals: 0, negativeNight: false,
    climate: {
      // Dry sunny summers, winter frontal rain and valley fog/smog.
      cloudMonthly: [0.12, 0.12, 0.18, 0.3, 0.5, 0.6, 0.55, 0.5, 0.38, 0.25, 0.15, 0.12],
      convectiveMonthly: none,
      tempMonthly: [21, 20.5, 18, 14.5, 11.5, 8.5, 8, 9.5, 12, 15, 18, 20.5],
      diurnalRange: 16, tempNoiseSd: 2, dewpointDepression: 10, windMean: 2, precipScale: 0.65
    },
    faults: {nStrings: 10,
      soiling: {ratePerDay: [0.0015, 0.0025], rainCleaningMm: 4, scheduledCleaningDays: 75, maxLoss: 0.25},
      discrete: [{type: "partial_outage", perYear: 0.8, minDays: 4, maxDays: 30}]}
  },
  "in-chennai": {
    elevationM: 7, linkeTurbidity: 4.5, faimanU0: 22, faimanU1: 5.5, systemLosses: 0.1, degradationPerYear: 0.006,
    decimals: 2, negativeNight: true,
    climate: {
      // Clear hot pre-monsoon; cloudy south-west monsoon; wettest north-east monsoon Oct–Dec.
      cloudMonthly: [0.3, 0.2, 0.18, 0.22, 0.3, 0.55, 0.62, 0.62, 0.62, 0.72, 0.78, 0.55],
      convectiveMonthly: [0, 0, 0, 0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.2, 0, 0],
      tempMonthly: [25, 26.5, 28.5, 31, 33, 32.5, 31, 30.5, 30, 28.5, 26.5, 25],
      diurnalRange: 8, tempNoiseSd: 1.2, dewpointDepression: 5, windMean: 3.5, precipScale: 1.7
    },
    faults: {nStrings: 15, discrete: [
      {type: "curtailment", perYear: 0.8, minDays: 14, maxDays: 45, limitFraction: [0.65, 0.75]},
      {type: "outage", perYear: 0.8, minDays: 0.3, maxDays: 2.5}
    ]}
  }
});

export function getDemoSite(id: string): DemoSite {
  const s = DEMO_SITES.find((x) => x.id === id);
  if (!s) throw new Error(`Unknown demo site "${id}"; known: ${DEMO_SITES.map((x) => x.id).join(", ")}`);
  return s;
}

export function getSiteModel(id: string): SiteModel {
  const m = SITE_MODELS[id];
  if (!m) throw new Error(`No demo model for site "${id}"`);
  return m;
}

/** The model of any demo site: its own for a built-in site, its parent's for a derived one (fleet.ts). */
export function siteModelOf(site: DemoSite): SiteModel {
  return getSiteModel(site.parent_id ?? site.id);
}
