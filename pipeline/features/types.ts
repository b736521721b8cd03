// What every forecast feature says about itself, so later code and the pages can explain it.

export type FeatureKind = "calendar" | "solar" | "lag" | "weather" | "interaction";

export interface FeatureInfo {
  /** Column name in the `features` table. */
  name: string;
  kind: FeatureKind;
  /** One or two sentences a reader of the page can follow; says what is known when. */
  description: string;
  /** "1" for dimensionless values. */
  unit: string;
}

/** A feature that is one SQL expression; which aliases it may use is said where its list is declared. */
export interface SqlFeature extends FeatureInfo {
  sql: string;
}
