// PV power model: Faiman (2008) module temperature, PVWatts v5 DC power and inverter (Dobos 2014),
// with the inverter output hard-limited at its AC rating (clipping).

/** PVWatts default power temperature coefficient for crystalline silicon, 1/°C. */
export const DEFAULT_GAMMA = -0.0037;

/** Faiman module temperature (°C); U0/U1 in W/m²K and W/m³sK (open rack ≈ 25 / 6.84). */
export function faimanCellTemperature(poaWm2: number, airTempC: number, windMs: number, u0 = 25, u1 = 6.84): number {
  return airTempC + Math.max(poaWm2, 0) / (u0 + u1 * Math.max(windMs, 0));
}

/** PVWatts DC power (same unit as pdc0) from plane-of-array irradiance reaching the cells. */
export function pvwattsDc(poaEffectiveWm2: number, cellTempC: number, pdc0: number, gamma = DEFAULT_GAMMA): number {
  if (!(poaEffectiveWm2 > 0)) return 0;
  return (poaEffectiveWm2 / 1000) * pdc0 * (1 + gamma * (cellTempC - 25));
}

/**
 * PVWatts inverter: part-load efficiency curve normalised to the nominal efficiency, output clipped
 * at the AC rating pac0. Same unit for pdc and pac0. Returns 0 below the start-up power.
 */
export function pvwattsInverter(pdc: number, pac0: number, etaNominal = 0.96, etaReference = 0.9637): number {
  if (!(pdc > 0)) return 0;
  const pdc0 = pac0 / etaNominal;
  const zeta = pdc / pdc0;
  const eta = (etaNominal / etaReference) * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
  const pac = eta * pdc;
  if (!(pac > 0)) return 0;
  return pac < pac0 ? pac : pac0;
}
