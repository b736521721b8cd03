import type {StanData} from "./design.ts";
/** Stan's data as the JSON string augurs' optimizer reads (see stanJson.js). */
export function stanDataJson(data: StanData): string;
