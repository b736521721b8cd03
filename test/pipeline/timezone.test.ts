// Local issue times: the site's wall clock, through clock changes and half-hour zones.
import {describe, expect, it} from "vitest";
import {localIssuesBetween, localIssueTimes} from "../../pipeline/timezone.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("localIssueTimes / localIssuesBetween", () => {
  it("finds the local midnight at or before an instant, in winter and summer time", () => {
    const berlin = localIssueTimes("Europe/Berlin");
    expect(iso(berlin(Date.parse("2025-01-15T12:00:00Z")))).toBe("2025-01-14T23:00:00.000Z");
    expect(iso(berlin(Date.parse("2025-07-15T12:00:00Z")))).toBe("2025-07-14T22:00:00.000Z");
    // 22:30 UTC on 14 July is already 00:30 on the 15th in Berlin.
    expect(iso(berlin(Date.parse("2025-07-14T22:30:00Z")))).toBe("2025-07-14T22:00:00.000Z");
    expect(iso(berlin(Date.parse("2025-07-14T21:59:00Z")))).toBe("2025-07-13T22:00:00.000Z");
  });

  it("handles half-hour zones and other issue hours", () => {
    expect(iso(localIssueTimes("Asia/Kolkata")(Date.parse("2025-03-10T12:00:00Z")))).toBe("2025-03-09T18:30:00.000Z");
    expect(iso(localIssueTimes("America/Denver", 6)(Date.parse("2025-03-10T12:00:00Z")))).toBe("2025-03-10T12:00:00.000Z");
  });

  it("lists one issue per local day across the spring and autumn clock changes (23 h and 25 h apart)", () => {
    const spring = localIssuesBetween("Europe/Berlin", 0, Date.parse("2025-03-28T00:00:00Z"), Date.parse("2025-04-01T00:00:00Z"));
    expect(spring.map(iso)).toEqual(["2025-03-28T23:00:00.000Z", "2025-03-29T23:00:00.000Z", "2025-03-30T22:00:00.000Z", "2025-03-31T22:00:00.000Z"]);
    const autumn = localIssuesBetween("Europe/Berlin", 0, Date.parse("2025-10-25T00:00:00Z"), Date.parse("2025-10-28T00:00:00Z"));
    expect(autumn.map(iso)).toEqual(["2025-10-25T22:00:00.000Z", "2025-10-26T23:00:00.000Z", "2025-10-27T23:00:00.000Z"]);
    expect(localIssuesBetween("UTC", 0, Date.parse("2025-01-01T00:00:00Z"), Date.parse("2025-01-31T00:00:00Z"))).toHaveLength(30);
  });
});
