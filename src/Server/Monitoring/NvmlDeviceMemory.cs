using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Monitoring;

/// <summary>
/// A GPU's memory through NVIDIA's management library (libnvidia-ml, installed with every NVIDIA driver; the
/// library nvidia-smi uses). TorchSharp exposes no CUDA memory statistics, and NVML needs no CUDA context. The
/// figures are the whole device's (every process), as nvidia-smi shows them. NVML numbers devices physically:
/// with CUDA_VISIBLE_DEVICES remapping them, "cuda:N" may name another NVML index.
/// </summary>
public sealed class NvmlDeviceMemory
{
    private const int Success = 0;
    private static readonly string[] LibraryNames = OperatingSystem.IsWindows() ? ["nvml.dll"] : ["libnvidia-ml.so.1", "libnvidia-ml.so"];

    private readonly Lazy<(Nvml? Api, string? Problem)> _nvml = new(Load);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int InitFunction();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int HandleByIndexFunction(uint index, out IntPtr device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MemoryInfoFunction(IntPtr device, out MemoryInfo memory);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int NameFunction(IntPtr device, [Out] byte[] name, uint length);

    /// <summary>nvmlMemory_t: total, free and used bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryInfo
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    private sealed record Nvml(HandleByIndexFunction HandleByIndex, MemoryInfoFunction MemoryInfo, NameFunction Name);

    /// <summary>The memory of <paramref name="device"/> ("cuda" or "cuda:N"), or why it cannot be read.</summary>
    public DeviceMemory Read(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var index = device.StartsWith("cuda:", StringComparison.Ordinal) && uint.TryParse(device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0u;
        var (api, problem) = _nvml.Value;
        if (api is null)
        {
            return new DeviceMemory(device, null, null, null, problem);
        }
        var status = api.HandleByIndex(index, out var handle);
        if (status != Success)
        {
            return new DeviceMemory(device, null, null, null, $"NVML has no device {index} (error {status})");
        }
        status = api.MemoryInfo(handle, out var memory);
        if (status != Success)
        {
            return new DeviceMemory(device, null, null, null, $"NVML could not read the memory of device {index} (error {status})");
        }
        var name = new byte[96];
        var label = api.Name(handle, name, (uint)name.Length) == Success ? Encoding.UTF8.GetString(name).TrimEnd('\0') : null;
        return new DeviceMemory(device, label, checked((long)memory.Used), checked((long)memory.Total), null);
    }

    private static (Nvml?, string?) Load()
    {
        foreach (var candidate in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(candidate, out var library))
            {
                continue;
            }
            if (!NativeLibrary.TryGetExport(library, "nvmlInit_v2", out var init)
                || !NativeLibrary.TryGetExport(library, "nvmlDeviceGetHandleByIndex_v2", out var handleByIndex)
                || !NativeLibrary.TryGetExport(library, "nvmlDeviceGetMemoryInfo", out var memoryInfo)
                || !NativeLibrary.TryGetExport(library, "nvmlDeviceGetName", out var name))
            {
                return (null, $"{candidate} lacks the NVML functions this reads");
            }
            var status = Marshal.GetDelegateForFunctionPointer<InitFunction>(init)();
            return status == Success
                ? (new Nvml(Marshal.GetDelegateForFunctionPointer<HandleByIndexFunction>(handleByIndex),
                    Marshal.GetDelegateForFunctionPointer<MemoryInfoFunction>(memoryInfo),
                    Marshal.GetDelegateForFunctionPointer<NameFunction>(name)), null)
                : (null, $"NVML did not start (error {status})");
        }
        return (null, $"the NVIDIA driver's {LibraryNames[0]} was not found");
    }
}
