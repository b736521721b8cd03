/**
 * A tiny tar reader for npm tarballs (ustar + pax + GNU long names), used by packages.ts to
 * unpack registry tarballs without a dependency. Only regular files are returned; links,
 * devices and anything whose path would escape the package directory are skipped.
 */

import {gunzipSync} from "node:zlib";

export interface TarFile {
  /** Path with the tarball's top-level directory (`package/`) stripped. */
  path: string;
  data: Buffer;
}

/** Reads a `.tgz` (or plain `.tar`) buffer and returns its regular files in archive order. */
export function readTarball(buffer: Buffer): TarFile[] {
  const tar = buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer) : buffer;
  const files: TarFile[] = [];
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumOk(header)) throw new Error(`tar: bad header checksum at offset ${offset}`);
    const size = readOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    const dataStart = offset + 512;
    const data = tar.subarray(dataStart, dataStart + size);
    if (data.length !== size) throw new Error("tar: truncated archive");
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = readString(data);
      continue;
    }
    if (type === "x") {
      paxPath = parsePax(data).get("path") ?? paxPath;
      continue;
    }
    if (type === "g") continue;
    let name = readString(header.subarray(0, 100));
    const magic = header.subarray(257, 263).toString("latin1");
    if (magic.startsWith("ustar")) {
      const prefix = readString(header.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    if (longName !== undefined) name = longName;
    if (paxPath !== undefined) name = paxPath;
    longName = paxPath = undefined;
    if (type !== "0" && type !== "\0" && type !== "7") continue; // directories, links, devices…
    const path = stripTopLevel(name);
    if (path !== undefined) files.push({path, data: Buffer.from(data)});
  }
  return files;
}

function stripTopLevel(name: string): string | undefined {
  const segments = name.replace(/\\/g, "/").split("/").filter((s) => s !== "" && s !== ".");
  segments.shift(); // "package" (or whatever the packer named it)
  if (segments.length === 0 || segments.some((s) => s === ".." || s.includes(":"))) return undefined;
  return segments.join("/");
}

function readString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString("utf8");
}

function readOctal(bytes: Buffer): number {
  if (bytes[0]! & 0x80) {
    // base-256 (GNU) for huge sizes
    let n = 0;
    for (let i = 1; i < bytes.length; i++) n = n * 256 + bytes[i]!;
    return n;
  }
  const s = readString(bytes).trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(header: Buffer): boolean {
  const expected = readOctal(header.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === expected;
}

function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const length = parseInt(data.subarray(i, space).toString("latin1"), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, i + length - 1).toString("utf8"); // minus trailing \n
    const eq = record.indexOf("=");
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    i += length;
  }
  return records;
}
