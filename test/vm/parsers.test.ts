import { describe, expect, it } from 'vitest';
import { parseShowDepends } from '@kpx/vm/kernel-modules.ts';
import { parseKernelRelease } from '@kpx/vm/kernel-package.ts';
import { isStaticElf } from '@kpx/vm/prerequisites.ts';
import { findTool } from '@kpx/vm/host-tools.ts';

describe('parseKernelRelease', () => {
  it('takes the versioned image that linux-image-amd64 depends on', () => {
    expect(parseKernelRelease('linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n')).toBe('6.1.0-56-amd64');
  });

  it.each([[''], ['linux-image-amd64\n'], ['  Depends: linux-image-6.1.0-56-cloud-amd64-unsigned\n'], ['  Depends: linux-image-$(reboot)-amd64\n']])(
    'finds none in %j',
    (output) => {
      expect(parseKernelRelease(output)).toBeUndefined();
    },
  );
});

describe('parseShowDepends', () => {
  it('keeps insmod paths in order and skips built-ins and parameters', () => {
    const output = 'builtin crc32c\ninsmod /k/lib/modules/x/a.ko \ninsmod /k/lib/modules/x/dummy.ko numdummies=0 \n';
    expect(parseShowDepends(output)).toEqual(['/k/lib/modules/x/a.ko', '/k/lib/modules/x/dummy.ko']);
  });
});

describe('isStaticElf', () => {
  it('tells a dynamically linked program from a static one', () => {
    expect(isStaticElf(process.execPath)).toBe(false);
    const busybox = findTool('busybox');
    if (busybox !== undefined) expect(isStaticElf(busybox)).toBe(true);
  });

  it('is false for a file that is not ELF', () => {
    expect(isStaticElf(new URL(import.meta.url).pathname)).toBe(false);
  });
});
