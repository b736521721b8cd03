// The automatic chart for a result nobody described: a time column and numbers → lines; a text
// column and numbers → bars; a second text column with few values splits the series.
import type {Cell, ChartSpec, QueryColumn} from "./types.ts";

const TIME = /^(DATE|TIMESTAMP)/;
const NUMBER = /^(DOUBLE|FLOAT|REAL|DECIMAL|INTEGER|BIGINT|HUGEINT|SMALLINT|TINYINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)/;

export function autoChart(columns: readonly QueryColumn[], rows: readonly Cell[][]): ChartSpec | null {
  if (rows.length < 2) return null;
  const numeric = columns.filter((c) => NUMBER.test(c.type) && !/(^|_)(id|n|hours|rank|window)$/.test(c.name));
  if (!numeric.length) return null;
  const time = columns.find((c) => TIME.test(c.type));
  const texts = columns.filter((c) => c.type === "VARCHAR");
  const distinct = (c: QueryColumn) => new Set(rows.map((r) => r[columns.indexOf(c)])).size;
  if (time) {
    const series = texts.find((c) => distinct(c) > 1 && distinct(c) <= 12) ?? null;
    return {mark: "line", x: time.name, y: numeric.slice(0, series ? 1 : 3).map((c) => c.name), series: series?.name ?? null, x_type: "time", y_label: unitOf(numeric[0].name)};
  }
  const category = texts.find((c) => distinct(c) === rows.length) ?? texts[0];
  if (!category) return null;
  return {mark: "bar", x: category.name, y: [numeric[0].name], series: null, x_type: "category", y_label: unitOf(numeric[0].name)};
}

function unitOf(column: string): string | null {
  if (/kwh/.test(column)) return "kWh";
  if (/pct|share/.test(column)) return "%";
  if (/wm2/.test(column)) return "W/m²";
  if (/_c$|temp/.test(column)) return "°C";
  return null;
}
