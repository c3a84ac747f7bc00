import { hasSystemVulkanDriver, relaunchEnvironment, vulkanEnvironment, type VulkanFs } from './vulkan';

/** A file system with exactly these files. */
function fakeFs(files: string[]): VulkanFs {
  return {
    exists: (p) => files.includes(p),
    list: (dir) => files.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)),
  };
}

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM_LOADER = '/usr/lib/chromium/libvulkan.so.1';
const SYSTEM_LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';

describe('the Vulkan environment for Dawn', () => {
  it('finds a system GPU driver by its ICD manifest', () => {
    expect(hasSystemVulkanDriver(fakeFs(['/usr/share/vulkan/icd.d/nvidia_icd.json']))).toBe(true);
    expect(hasSystemVulkanDriver(fakeFs([SWIFTSHADER, CHROMIUM_LOADER]))).toBe(false);
  });

  it('leaves a GPU machine or an explicit VK_ICD_FILENAMES alone', () => {
    const fs = fakeFs([SWIFTSHADER, CHROMIUM_LOADER]);
    expect(vulkanEnvironment({ PATH: '/bin' }, true, fs)).toEqual({
      env: { PATH: '/bin' },
      note: 'system Vulkan',
    });
    const own = { VK_ICD_FILENAMES: '/x/icd.json' };
    expect(vulkanEnvironment(own, false, fs).env).toBe(own);
  });

  it('without a GPU driver uses SwiftShader, with Chromium’s loader only where the system has none', () => {
    const bare = vulkanEnvironment({ PATH: '/bin' }, false, fakeFs([SWIFTSHADER, CHROMIUM_LOADER]));
    expect(bare.env).toEqual({
      PATH: '/bin',
      VK_ICD_FILENAMES: SWIFTSHADER,
      LD_LIBRARY_PATH: '/usr/lib/chromium',
    });
    expect(bare.note).toMatch(/^SwiftShader/);
    const withLoader = vulkanEnvironment({}, false, fakeFs([SWIFTSHADER, SYSTEM_LOADER]));
    expect(withLoader.env).toEqual({ VK_ICD_FILENAMES: SWIFTSHADER });
    expect(vulkanEnvironment({}, false, fakeFs([])).note).toMatch(/no Vulkan driver found/);
  });

  it('restarts the process only when the loader must come from LD_LIBRARY_PATH, and only once', () => {
    const fs = fakeFs([SWIFTSHADER, CHROMIUM_LOADER]);
    const env = relaunchEnvironment({ LD_LIBRARY_PATH: '/opt/lib' }, fs);
    expect(env?.LD_LIBRARY_PATH).toBe('/usr/lib/chromium:/opt/lib');
    expect(relaunchEnvironment(env as NodeJS.ProcessEnv, fs)).toBeNull();
    expect(relaunchEnvironment({}, fakeFs([SWIFTSHADER, SYSTEM_LOADER]))).toBeNull();
    expect(
      relaunchEnvironment({}, fakeFs([SWIFTSHADER, CHROMIUM_LOADER, '/etc/vulkan/icd.d/gpu.json'])),
    ).toBeNull();
  });
});
