// Headless Debian Chromium through playwright-core, with the flags this machine needs offline.
import {existsSync} from "node:fs";
import {chromium, type Browser} from "playwright-core";

export const CHROMIUM_PATH = process.env.SUNLINE_CHROMIUM ?? "/usr/bin/chromium";

export function chromiumMissingReason(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set SUNLINE_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      // Without these Chromium keeps dialling Google services, which a closed network refuses.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  });
}
