import { isIP } from 'node:net';

/** Why an address is not a public one, or null when it is. */
export type AddressClass = 'loopback' | 'private' | 'link-local' | 'reserved' | null;

function v4Parts(a: string): number[] | null {
  const p = a.split('.').map(Number);
  return p.length === 4 && p.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) ? p : null;
}

function classifyV4(a: string): AddressClass {
  const p = v4Parts(a);
  if (!p) return 'reserved';
  const [x, y] = p;
  if (x === 127) return 'loopback';
  if (x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127)) return 'private';
  if (x === 169 && y === 254) return 'link-local';
  // this network, IETF protocol assignments, benchmarking, documentation, multicast, reserved and broadcast
  if (x === 0 || (x === 192 && y === 0 && p[2] === 0) || (x === 198 && (y === 18 || y === 19)) || (x === 192 && y === 0 && p[2] === 2) || (x === 198 && y === 51 && p[2] === 100) || (x === 203 && y === 0 && p[2] === 113) || x >= 224) return 'reserved';
  return null;
}

/** An IPv6 address as eight 16-bit groups (`::` expanded, an embedded IPv4 tail converted), or null. */
function v6Groups(a: string): number[] | null {
  let s = a.toLowerCase().split('%')[0];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const p = v4Parts(tail[1]);
    if (!p) return null;
    s = s.slice(0, -tail[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, rest] = s.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...new Array<string>(Math.max(0, fill)).fill('0'), ...r].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

function classifyV6(a: string): AddressClass {
  const g = v6Groups(a);
  if (!g) return 'reserved';
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(7) && g[7] === 1) return 'loopback';
  if (zeros(8)) return 'reserved';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4 address decides
  const v4 = `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  if (zeros(5) && g[5] === 0xffff) return classifyV4(v4);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(v4);
  if ((g[0] & 0xfe00) === 0xfc00) return 'private';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xff00) === 0xff00 || g[0] === 0x2001 && g[1] === 0xdb8) return 'reserved';
  return null;
}

/**
 * What kind of address a resolved IP is: loopback, private (RFC 1918, CGNAT, unique local), link-local (cloud metadata lives
 * at 169.254.169.254), reserved (unspecified, multicast, documentation, broadcast), or null for a public address. A webhook
 * may only reach public addresses unless its configuration allows private ones.
 */
export function classifyAddress(address: string): AddressClass {
  const v = isIP(address);
  if (v === 4) return classifyV4(address);
  if (v === 6) return classifyV6(address);
  return 'reserved';
}
