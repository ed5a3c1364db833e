import { describe, expect, it } from 'vitest';
import { parseSshConfigHosts } from '../../../src/core/training/sshConfig';

describe('parseSshConfigHosts', () => {
  it('lists concrete Host aliases with their HostName, User and Port, skipping patterns', () => {
    const text = [
      '# my hosts',
      'Host gpu-box lab2',
      '  HostName 10.0.0.5',
      '  User alice # trailing comment',
      '  Port=2222',
      '',
      'Host *.internal !bad',
      '  User bob',
      'Host *',
      '  ServerAliveInterval 30',
      'Match host foo',
      '  User carol',
      'Host "quoted"',
      '\tHostName q.example',
      'Host gpu-box',
      '  HostName ignored-second-definition',
    ].join('\n');
    expect(parseSshConfigHosts(text)).toEqual([
      { alias: 'gpu-box', hostName: '10.0.0.5', user: 'alice', port: 2222 },
      { alias: 'lab2', hostName: '10.0.0.5', user: 'alice', port: 2222 },
      { alias: 'quoted', hostName: 'q.example' },
    ]);
  });

  it('gives nothing for an empty or comment-only file', () => {
    expect(parseSshConfigHosts('')).toEqual([]);
    expect(parseSshConfigHosts('# nothing\n\n')).toEqual([]);
  });
});
