import { describe, expect, it } from 'vitest';
import { defaultKubeProxyConfig } from '../config/kube-proxy-config.ts';
import { configureMode, userspaceOptionsFromConfig } from './configure-mode.ts';
import { findMode } from './registry.ts';

describe('configureMode', () => {
  it('gives the userspace mode (and its netns agent) the configured UDP and TCP idle timeouts', () => {
    const config = { ...defaultKubeProxyConfig(), udpIdleTimeoutMs: 1234 };
    expect(userspaceOptionsFromConfig(config)).toEqual({ udpIdleTimeoutMs: 1234, tcpIdleTimeoutMs: 0 });
    expect(userspaceOptionsFromConfig(config, { userspaceTcpIdleTimeoutMs: 600_000 })).toEqual({ udpIdleTimeoutMs: 1234, tcpIdleTimeoutMs: 600_000 });
    const registered = findMode('userspace');
    expect(registered).toBeDefined();
    const configured = configureMode(registered!, config, { userspaceTcpIdleTimeoutMs: 600_000 });
    expect(configured.name).toBe('userspace');
    expect(configured).not.toBe(registered);
  });

  it('leaves a mode without options of its own as registered', () => {
    const registered = findMode('iptables')!;
    expect(configureMode(registered, defaultKubeProxyConfig())).toBe(registered);
  });
});
