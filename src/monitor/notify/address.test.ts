import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { classifyAddress } from './address.ts';

test('loopback, private, link-local and reserved addresses are told apart from public ones (v4, v6, mapped, NAT64)', () => {
  const cases: [string, ReturnType<typeof classifyAddress>][] = [
    ['127.0.0.1', 'loopback'], ['127.8.9.10', 'loopback'], ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['100.64.0.1', 'private'],
    ['fc00::1', 'private'], ['fd12:3456::1', 'private'], ['::ffff:10.0.0.1', 'private'], ['64:ff9b::a00:1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['::ffff:169.254.169.254', 'link-local'],
    ['0.0.0.0', 'reserved'], ['::', 'reserved'], ['224.0.0.1', 'reserved'], ['255.255.255.255', 'reserved'], ['ff02::1', 'reserved'], ['2001:db8::1', 'reserved'], ['not-an-ip', 'reserved'],
    ['8.8.8.8', null], ['172.32.0.1', null], ['93.184.216.34', null], ['2606:4700::1111', null], ['::ffff:8.8.8.8', null],
  ];
  for (const [ip, want] of cases) assert.equal(classifyAddress(ip), want, ip);
});
