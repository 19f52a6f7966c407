using System.Runtime.InteropServices;

namespace NanoVlm.Engine.Runtime;

/// <summary>
/// libtorch's own autocast switches, reached through their exported C++ symbols, because TorchSharp
/// has no managed autocast. The state is thread-local inside libtorch: enter and leave a scope on the
/// thread that runs the forward pass.
/// </summary>
public sealed class LibTorchAutocast
{
    // c10::DeviceType and c10::ScalarType are int8 enums.
    public const sbyte DeviceCpu = 0;
    public const sbyte DeviceCuda = 1;
    public const sbyte ScalarHalf = 5;
    public const sbyte ScalarBFloat16 = 15;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetEnabled(sbyte device, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool IsEnabled(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetDtype(sbyte device, sbyte scalarType);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate sbyte GetDtype(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate long Nesting();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void ClearCache();

    private static readonly Lazy<(LibTorchAutocast? Autocast, string? Problem)> Loaded = new(Load);

    private readonly SetEnabled _setEnabled;
    private readonly IsEnabled _isEnabled;
    private readonly SetDtype _setDtype;
    private readonly GetDtype _getDtype;
    private readonly Nesting _increment;
    private readonly Nesting _decrement;
    private readonly ClearCache _clearCache;

    private LibTorchAutocast(IntPtr library)
    {
        _setEnabled = Export<SetEnabled>(library, "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb");
        _isEnabled = Export<IsEnabled>(library, "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE");
        _setDtype = Export<SetDtype>(library, "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE");
        _getDtype = Export<GetDtype>(library, "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE");
        _increment = Export<Nesting>(library, "_ZN2at8autocast17increment_nestingEv");
        _decrement = Export<Nesting>(library, "_ZN2at8autocast17decrement_nestingEv");
        _clearCache = Export<ClearCache>(library, "_ZN2at8autocast11clear_cacheEv");
    }

    /// <summary>The switches, or null with <paramref name="problem"/> saying why they are unavailable.</summary>
    public static LibTorchAutocast? TryGet(out string? problem)
    {
        (var autocast, problem) = Loaded.Value;
        return autocast;
    }

    public bool IsEnabledOn(sbyte device) => _isEnabled(device);

    /// <summary>
    /// Switches autocast on or off for this thread without touching its dtype or nesting (a module pinned to float32
    /// turns it off for its own forward and back on after).
    /// </summary>
    public void SetEnabledOn(sbyte device, bool enabled) => _setEnabled(device, enabled);

    /// <summary>Turns autocast on for this thread until the returned scope is disposed.</summary>
    public IDisposable Enter(sbyte device, sbyte scalarType)
    {
        var wasEnabled = _isEnabled(device);
        var previousDtype = _getDtype(device);
        _increment();
        _setDtype(device, scalarType);
        _setEnabled(device, true);
        return new Scope(this, device, wasEnabled, previousDtype);
    }

    private sealed class Scope(LibTorchAutocast owner, sbyte device, bool wasEnabled, sbyte previousDtype) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            // Like torch.autocast.__exit__: the weight-cast cache lives while any scope is open.
            if (owner._decrement() == 0)
            {
                owner._clearCache();
            }
            owner._setEnabled(device, wasEnabled);
            owner._setDtype(device, previousDtype);
        }
    }

    private static (LibTorchAutocast?, string?) Load()
    {
        // TorchSharp has already loaded libtorch_cpu by the time anyone asks (touch torch first).
        _ = TorchSharp.torch.__version__;
        string[] candidates = [Path.Combine(AppContext.BaseDirectory, "libtorch_cpu.so"), "libtorch_cpu.so"];
        foreach (var candidate in candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var library))
            {
                continue;
            }
            try
            {
                return (new LibTorchAutocast(library), null);
            }
            catch (EntryPointNotFoundException e)
            {
                return (null, $"libtorch's autocast entry points are missing ({e.Message}); only fp32 is available.");
            }
        }
        return (null, "libtorch_cpu could not be located for autocast; only fp32 is available.");
    }

    private static T Export<T>(IntPtr library, string symbol) where T : Delegate
    {
        if (!NativeLibrary.TryGetExport(library, symbol, out var address))
        {
            throw new EntryPointNotFoundException(symbol);
        }
        return Marshal.GetDelegateForFunctionPointer<T>(address);
    }
}
